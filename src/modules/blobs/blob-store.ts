import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { storedGitSha1, uploadHasher } from './blob-hashing.ts';
import { loadS3Sdk, parseS3Storage, S3BlobStore, type S3Settings } from './s3-blob-store.ts';

export interface StoredBlob {
  sha256: string;
  size: number;
  /** Null for a blob of 10 MiB or more: always served through LFS, so never needed (see `needsGitSha1`). */
  gitSha1: string | null;
}

export interface BlobStore {
  /**
   * Streams `body` into the store, hashing as it goes; the bytes are never held whole in memory.
   * The blob only appears under its sha256 once fully written and flushed, so a killed upload
   * leaves at most a temporary file that `cleanTemporaryFiles` removes.
   */
  put(body: Readable, options?: { expectedSize?: number; maxSize?: number }): Promise<StoredBlob>;
  read(sha256: string, range?: { start: number; end: number }): Readable;
  /** A local path to the blob, when the store is on this disk (used for zero-copy serving). */
  localPath(sha256: string): string | null;
  exists(sha256: string): Promise<boolean>;
  delete(sha256: string): Promise<void>;
  list(): AsyncIterable<string>;
  /** When the blob's bytes were last written (an upload of the same bytes rewrites it), or null when absent. */
  writtenAt(sha256: string): Promise<{ at: Date; size: number } | null>;
  /**
   * Removes the blob unless it was (re)written at or after `cutoff`: garbage collection must never
   * delete the bytes of an upload that has just stored them and not yet recorded them.
   */
  removeIfWrittenBefore(sha256: string, cutoff: Date): Promise<'removed' | 'recent' | 'missing'>;
  cleanTemporaryFiles(): Promise<void>;
  /**
   * A short-lived URL that serves the blob without credentials, when the store can make one (S3).
   * Downloads redirect there instead of passing the bytes through the server.
   */
  presignDownload?(sha256: string, options: { contentDisposition: string; expiresInSeconds: number }): Promise<string>;
}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** Content-addressed blobs on the local disk: `<root>/sha256/ab/cd/<sha256>`. */
export class FileSystemBlobStore implements BlobStore {
  private readonly blobDir: string;
  private readonly tempDir: string;

  constructor(root: string) {
    this.blobDir = path.join(root, 'sha256');
    this.tempDir = path.join(root, 'tmp');
  }

  async init() {
    await fs.mkdir(this.blobDir, { recursive: true });
    await fs.mkdir(this.tempDir, { recursive: true });
    await this.cleanTemporaryFiles();
  }

  localPath(sha256: string): string {
    if (!SHA256_PATTERN.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.blobDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(body: Readable, options: { expectedSize?: number; maxSize?: number } = {}): Promise<StoredBlob> {
    const tempPath = path.join(this.tempDir, `${randomUUID()}.part`);
    const hasher = uploadHasher(options);
    try {
      const out = createWriteStream(tempPath, { flags: 'wx', highWaterMark: 1 << 20 });
      await pipeline(body, hasher.stream, out);
      hasher.checkComplete();
      const handle = await fs.open(tempPath, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      const size = hasher.size();
      const digest = hasher.sha256();
      const gitSha1 = await storedGitSha1(hasher.gitSha1(), size, () => createReadStream(tempPath, { highWaterMark: 1 << 20 }));
      const finalPath = this.localPath(digest);
      await fs.mkdir(path.dirname(finalPath), { recursive: true });
      // rename is atomic: readers see the whole blob or none. An existing copy has the same bytes.
      await fs.rename(tempPath, finalPath);
      return { sha256: digest, size, gitSha1 };
    } catch (error) {
      await fs.rm(tempPath, { force: true });
      throw error;
    }
  }

  read(sha256: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.localPath(sha256), { highWaterMark: 1 << 20, ...(range ?? {}) });
  }

  async exists(sha256: string) {
    return fs.stat(this.localPath(sha256)).then(() => true, () => false);
  }

  async delete(sha256: string) {
    await fs.rm(this.localPath(sha256), { force: true });
  }

  async writtenAt(sha256: string) {
    const stat = await fs.stat(this.localPath(sha256)).catch(() => null);
    return stat ? { at: stat.mtime, size: stat.size } : null;
  }

  async removeIfWrittenBefore(sha256: string, cutoff: Date): Promise<'removed' | 'recent' | 'missing'> {
    const finalPath = this.localPath(sha256);
    const trash = path.join(this.tempDir, `${randomUUID()}.gc`);
    // Moving the file aside is atomic: an upload that lands after this creates a new file, which stays.
    // One that landed just before has a fresh mtime, so the moved file is put back.
    try {
      await fs.rename(finalPath, trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw error;
    }
    const stat = await fs.stat(trash);
    if (stat.mtime >= cutoff) {
      await fs.link(trash, finalPath).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      await fs.rm(trash, { force: true });
      return 'recent';
    }
    await fs.rm(trash, { force: true });
    return 'removed';
  }

  async *list(): AsyncIterable<string> {
    for (const a of await fs.readdir(this.blobDir)) {
      for (const b of await fs.readdir(path.join(this.blobDir, a))) {
        for (const name of await fs.readdir(path.join(this.blobDir, a, b))) {
          if (SHA256_PATTERN.test(name)) yield name;
        }
      }
    }
  }

  async cleanTemporaryFiles() {
    for (const name of await fs.readdir(this.tempDir)) await fs.rm(path.join(this.tempDir, name), { force: true });
  }
}

/**
 * `fs` keeps blobs under `<dataDir>/blobs`; `s3://bucket/prefix` keeps them in object storage,
 * reached with `s3` (endpoint, region, credentials; the SDK's own chain when these are unset).
 */
export async function openBlobStore(storage: string, dataDir: string, s3: S3Settings = {}): Promise<BlobStore> {
  if (storage.startsWith('s3://')) {
    const store = new S3BlobStore({ ...parseS3Storage(storage), ...s3 }, await loadS3Sdk());
    await store.init();
    return store;
  }
  if (storage !== 'fs') {
    throw new Error(`AIRLOCK_STORAGE=${storage} is not supported; use fs (the default: blobs under ${dataDir}/blobs) or s3://<bucket>/<prefix>.`);
  }
  const store = new FileSystemBlobStore(path.join(dataDir, 'blobs'));
  await store.init();
  return store;
}
