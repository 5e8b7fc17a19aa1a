import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { LFS_SIZE_THRESHOLD } from '../repos/repos.models.ts';
import { FileSystemBlobStore } from './blob-store.ts';

const gitSha1Of = (bytes: Buffer) => createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** A body in 1 MiB pieces, as an upload arrives. */
const body = (bytes: Buffer) => Readable.from(Array.from({ length: Math.ceil(bytes.length / 2 ** 20) || 1 }, (_, i) => bytes.subarray(i * 2 ** 20, (i + 1) * 2 ** 20)));

describe('the git sha1 a blob store records', () => {
  let root: string;
  let store: FileSystemBlobStore;
  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-hashing-'));
    store = new FileSystemBlobStore(root);
    await store.init();
  });
  after(() => fs.rm(root, { recursive: true, force: true }));

  it('is the content\'s git blob id for a small blob, whether or not its length was announced', async () => {
    const bytes = Buffer.alloc(LFS_SIZE_THRESHOLD - 1, 3);
    const announced = await store.put(body(bytes), { expectedSize: bytes.length });
    const unannounced = await store.put(body(bytes));
    assert.equal(announced.gitSha1, gitSha1Of(bytes));
    assert.equal(unannounced.gitSha1, gitSha1Of(bytes));
    assert.equal(announced.sha256, sha256Of(bytes));
  });

  it('is not computed for a blob of 10 MiB or more, which is always served through LFS', async () => {
    const bytes = Buffer.alloc(LFS_SIZE_THRESHOLD, 5);
    for (const options of [{ expectedSize: bytes.length }, {}]) {
      const stored = await store.put(body(bytes), options);
      assert.equal(stored.gitSha1, null);
      assert.equal(stored.sha256, sha256Of(bytes));
      assert.equal(stored.size, bytes.length);
    }
  });
});
