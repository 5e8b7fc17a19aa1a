import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { AppError } from '../../lib/errors.ts';
import { generatedBytes, generatedChunks, generatedSha256, generatedStream } from '../../../test/support/generated-file.ts';
import { startS3Server, type S3TestServer } from '../../../test/support/s3-server.ts';
import { openBlobStore } from './blob-store.ts';
import { loadS3Sdk, parseS3Storage, S3BlobStore, type S3Sdk } from './s3-blob-store.ts';

const MiB = 1024 * 1024;
const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const gitSha1Of = (bytes: Buffer) => createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
const readAll = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

describe('the S3 blob store, against a real S3 server', () => {
  let s3: S3TestServer;
  let sdk: S3Sdk;
  let prefixes = 0;
  const newStore = (options: { partSize?: number; queueSize?: number; staleAfterMs?: number } = {}) => {
    const prefix = `store-${++prefixes}`;
    return { prefix, store: new S3BlobStore({ bucket: s3.bucket, prefix, ...s3.settings, ...options }, sdk) };
  };
  const keysUnder = async (store: S3BlobStore, prefix: string) => {
    const page = await store.client.send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: `${prefix}/` }));
    return (page.Contents ?? []).map((o) => o.Key!).sort();
  };

  before(async () => {
    s3 = await startS3Server();
    sdk = await loadS3Sdk();
  });
  after(() => s3?.close());

  it('stores a blob under <prefix>/sha256/ab/cd/<sha256>, with the same ids as the disk store, and leaves no temporary key', async () => {
    const { store, prefix } = newStore();
    const bytes = Buffer.from('hello from object storage\n');
    const stored = await store.put(Readable.from([bytes]), { expectedSize: bytes.length });
    assert.deepEqual(stored, { sha256: sha256Of(bytes), size: bytes.length, gitSha1: gitSha1Of(bytes) });
    const sha = stored.sha256;
    assert.deepEqual(await keysUnder(store, prefix), [`${prefix}/sha256/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`]);
    assert.equal(store.localPath(), null);

    // Without an announced length, git's id comes from a second pass over the stored bytes.
    const again = await store.put(Readable.from([bytes]));
    assert.equal(again.gitSha1, gitSha1Of(bytes));
  });

  it('reads a blob whole and by byte range, and says whether it exists', async () => {
    const { store } = newStore();
    const bytes = generatedBytes('s3-read', 3000);
    const { sha256 } = await store.put(Readable.from([bytes]));
    assert.deepEqual(await readAll(store.read(sha256)), bytes);
    assert.deepEqual(await readAll(store.read(sha256, { start: 1000, end: 1999 })), bytes.subarray(1000, 2000));
    assert.equal(await store.exists(sha256), true);
    assert.equal(await store.exists(sha256Of(Buffer.from('never stored'))), false);
    await store.delete(sha256);
    assert.equal(await store.exists(sha256), false);
  });

  it('lists the stored blobs, and reports when each was written and its size', async () => {
    const { store } = newStore();
    const shas = [];
    for (let i = 0; i < 3; i++) shas.push((await store.put(Readable.from([Buffer.from(`blob ${i}`)]))).sha256);
    const listed = [];
    for await (const sha of store.list()) listed.push(sha);
    assert.deepEqual(listed.sort(), shas.sort());
    const written = await store.writtenAt(shas[0]!);
    assert.equal(written?.size, 6);
    assert.ok(Math.abs(written!.at.getTime() - Date.now()) < 60_000, `LastModified ${written?.at.toISOString()} should be now`);
    assert.equal(await store.writtenAt(sha256Of(Buffer.from('absent'))), null);
  });

  it('streams a large upload in multipart parts, holding at most a few parts in memory', async () => {
    const partSize = 5 * MiB;
    const queueSize = 2;
    const { store } = newStore({ partSize, queueSize });
    const size = 41 * MiB + 123;
    // Observes the real requests: which commands ran, and how far reading ran ahead of the parts S3 has acknowledged.
    const commands: string[] = [];
    let pulled = 0;
    let acknowledged = 0;
    let maxAhead = 0;
    store.client.middlewareStack.add((next, context) => async (args) => {
      const result = await next(args);
      commands.push(context.commandName ?? '?');
      if (context.commandName === 'UploadPartCommand') acknowledged += Number((args.input as { ContentLength?: number }).ContentLength ?? 0) || partSize;
      return result;
    }, { step: 'initialize', name: 'observeForTest' });
    const source = Readable.from((function* () {
      for (const chunk of generatedChunks('s3-multipart', size)) {
        pulled += chunk.length;
        maxAhead = Math.max(maxAhead, pulled - acknowledged);
        yield chunk;
      }
    })(), { objectMode: false });
    const stored = await store.put(source, { expectedSize: size });
    assert.equal(stored.sha256, generatedSha256('s3-multipart', size));
    assert.equal(stored.size, size);
    assert.equal(commands.filter((c) => c === 'UploadPartCommand').length, Math.ceil(size / partSize));
    assert.ok(commands.includes('CreateMultipartUploadCommand') && commands.includes('CompleteMultipartUploadCommand'), commands.join(' '));
    assert.ok(commands.includes('CopyObjectCommand'), 'the blob is copied under its sha256 on the server side');
    const bound = partSize * (queueSize + 2) + 4 * MiB;
    assert.ok(maxAhead <= bound, `read ${maxAhead} bytes ahead of S3; the bound is ${bound} (a whole-body buffer would be ${size})`);
    const tail = await readAll(store.read(stored.sha256, { start: size - 1000, end: size - 1 }));
    assert.deepEqual(tail, generatedBytes('s3-multipart', 1000, size - 1000));
  });

  it('commits nothing when the body ends short of its announced length or grows past the limit', async () => {
    const { store, prefix } = newStore({ partSize: 5 * MiB });
    await assert.rejects(store.put(Readable.from([Buffer.alloc(50)]), { expectedSize: 100 }), (error: AppError) => error.code === 'size_mismatch' && error.status === 400);
    await assert.rejects(store.put(generatedStream('s3-too-big', 7 * MiB), { maxSize: 6 * MiB }), (error: AppError) => error.code === 'blob_too_large' && error.status === 413);
    assert.deepEqual(await keysUnder(store, prefix), []);
  });

  it('removes a blob only when it was written before the cutoff, counting LastModified as up to a second late', async () => {
    const { store } = newStore();
    const { sha256 } = await store.put(Readable.from([Buffer.from('collect me')]));
    assert.equal(await store.removeIfWrittenBefore(sha256, new Date(Date.now() - 60_000)), 'recent');
    assert.equal(await store.removeIfWrittenBefore(sha256, new Date(Date.now() - 1)), 'recent', 'written within the same second as the cutoff');
    assert.equal(await store.exists(sha256), true);
    assert.equal(await store.removeIfWrittenBefore(sha256, new Date(Date.now() + 5000)), 'removed');
    assert.equal(await store.exists(sha256), false);
    assert.equal(await store.removeIfWrittenBefore(sha256, new Date(Date.now() + 5000)), 'missing');
  });

  it('cleans temporary keys only once they are stale, since another instance may be uploading', async () => {
    const { prefix, store } = newStore({ staleAfterMs: 60 * 60 * 1000 });
    await store.client.send(new PutObjectCommand({ Bucket: store.bucket, Key: `${prefix}/tmp/left-by-a-crash`, Body: 'partial' }));
    await store.cleanTemporaryFiles();
    assert.deepEqual(await keysUnder(store, prefix), [`${prefix}/tmp/left-by-a-crash`]);
    const impatient = new S3BlobStore({ bucket: s3.bucket, prefix, ...s3.settings, staleAfterMs: -5000 }, sdk);
    await impatient.cleanTemporaryFiles();
    assert.deepEqual(await keysUnder(store, prefix), []);
  });

  it('answers an upload during an outage with a 503 storage_unavailable, commits nothing, and works once S3 is back', async () => {
    const { store, prefix } = newStore({ partSize: 5 * MiB, queueSize: 1 });
    const size = 30 * MiB;
    let pulled = 0;
    let killed: Promise<void> | null = null;
    const source = Readable.from((function* () {
      for (const chunk of generatedChunks('s3-outage', size)) {
        pulled += chunk.length;
        // Mid-upload: some parts are in S3, the rest never arrive.
        if (pulled === 12 * MiB) killed = s3.kill();
        yield chunk;
      }
    })(), { objectMode: false });
    await assert.rejects(store.put(source, { expectedSize: size }), (error: AppError) => {
      assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
      assert.equal(error.code, 'storage_unavailable');
      assert.equal(error.status, 503);
      assert.match(error.message, /storage is unavailable/);
      return true;
    });
    await killed;
    await s3.start();
    assert.deepEqual(await keysUnder(store, prefix), [], 'no blob and no temporary key');
    const stored = await store.put(generatedStream('s3-outage', size), { expectedSize: size });
    assert.equal(stored.sha256, generatedSha256('s3-outage', size));
    assert.equal(await store.exists(stored.sha256), true);
  });

  it('is chosen by AIRLOCK_STORAGE=s3://bucket/prefix, and refuses a malformed location or an unreachable bucket', async () => {
    assert.deepEqual(parseS3Storage('s3://my-bucket/some/prefix/'), { bucket: 'my-bucket', prefix: 'some/prefix' });
    assert.deepEqual(parseS3Storage('s3://my-bucket'), { bucket: 'my-bucket', prefix: '' });
    assert.throws(() => parseS3Storage('s3://A_Bucket/x'), /not a valid S3 location/);
    const store = await openBlobStore(s3.storage('opened'), '/nonexistent', s3.settings);
    assert.ok(store instanceof S3BlobStore);
    await assert.rejects(openBlobStore('s3://no-such-bucket/x', '/nonexistent', s3.settings), /cannot be reached/);
    await assert.rejects(openBlobStore('gcs://bucket', '/nonexistent'), /not supported/);
  });
});
