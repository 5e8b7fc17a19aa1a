import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readOrCreateKeyFile, writeFileOnce } from './key-file.ts';

describe('key files created once', () => {
  it('gives every one of many simultaneous creators the same complete key, and one of them created it', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-keyfile-'));
    try {
      const file = path.join(dir, 'keys', 'secret');
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => writeFileOnce(file, `key number ${i}\n`)));
      assert.equal(new Set(results.map((r) => r.contents)).size, 1);
      assert.equal(results.filter((r) => r.created).length, 1);
      assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
      assert.deepEqual(await fs.readdir(path.dirname(file)), ['secret'], 'no temporary file is left behind');
      const keys = await Promise.all(Array.from({ length: 20 }, () => readOrCreateKeyFile(path.join(dir, 'keys', 'other'))));
      assert.equal(new Set(keys.map((k) => k.toString('hex'))).size, 1);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
