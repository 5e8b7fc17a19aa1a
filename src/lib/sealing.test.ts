import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadOrCreateSealingKey, seal, sealingKeyOf, unseal } from './sealing.ts';

describe('sealing values at rest', () => {
  const key = sealingKeyOf(randomBytes(32));

  it('opens what it sealed, and the sealed text does not contain the plaintext', () => {
    const text = 'Your one-time link: https://airlock.example/references/SECRET-TOKEN-123';
    const sealed = seal(key, text, 'row-1');
    assert.ok(!Buffer.from(sealed, 'base64').toString('latin1').includes('SECRET-TOKEN-123'));
    assert.ok(!sealed.includes('SECRET'));
    assert.equal(unseal(key, sealed, 'row-1'), text);
    assert.notEqual(seal(key, text, 'row-1'), sealed, 'a fresh IV each time');
  });

  it('refuses another context, another key and a flipped bit', () => {
    const sealed = seal(key, 'hello', 'row-1\0ruth@example.org');
    assert.throws(() => unseal(key, sealed, 'row-1\0mallory@example.org'));
    assert.throws(() => unseal(sealingKeyOf(randomBytes(32)), sealed, 'row-1\0ruth@example.org'));
    const bytes = Buffer.from(sealed, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    assert.throws(() => unseal(key, bytes.toString('base64'), 'row-1\0ruth@example.org'));
  });

  it('creates the key file once, private to its owner, and every later load reads the same key', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-seal-'));
    try {
      const file = path.join(dir, 'keys', 'mail-key');
      const loads = await Promise.all([loadOrCreateSealingKey(file), loadOrCreateSealingKey(file), loadOrCreateSealingKey(file)]);
      assert.equal(new Set(loads.map((k) => k.keyId)).size, 1, 'concurrent first loads agree');
      assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
      assert.equal((await loadOrCreateSealingKey(file)).keyId, loads[0]!.keyId);
      await fs.writeFile(file, 'not a key');
      await assert.rejects(loadOrCreateSealingKey(file), /64 hex characters/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
