import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../lib/errors.ts';

export interface StoredBlob {
  sha256: string;
  size: number;
  gitSha1: string;
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
    const sha256 = createHash('sha256');
    // Git's blob id needs the length up front; when the client did not announce it we hash a second pass.
    const sha1 = options.expectedSize !== undefined ? createHash('sha1').update(`blob ${options.expectedSize}\0`) : null;
    let size = 0;
    const maxSize = options.maxSize ?? Number.MAX_SAFE_INTEGER;
    const hasher = new Transform({
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxSize) return callback(new AppError('blob_too_large', 413, `The upload is larger than the ${maxSize} bytes allowed.`));
        sha256.update(chunk);
        sha1?.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      const out = createWriteStream(tempPath, { flags: 'wx', highWaterMark: 1 << 20 });
      await pipeline(body, hasher, out);
      if (options.expectedSize !== undefined && size !== options.expectedSize) {
        throw new AppError('size_mismatch', 400, `The upload ended after ${size} of the ${options.expectedSize} bytes announced. Upload the file again.`, { field: 'body' });
      }
      const handle = await fs.open(tempPath, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      const digest = sha256.digest('hex');
      const gitSha1 = sha1 ? sha1.digest('hex') : await gitSha1OfFile(tempPath, size);
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

async function gitSha1OfFile(file: string, size: number): Promise<string> {
  const hash = createHash('sha1').update(`blob ${size}\0`);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function openBlobStore(storage: string, dataDir: string): Promise<BlobStore> {
  if (storage !== 'fs') {
    throw new Error(`AIRLOCK_STORAGE=${storage} is not supported yet; unset it to store blobs under ${dataDir}/blobs.`);
  }
  const store = new FileSystemBlobStore(path.join(dataDir, 'blobs'));
  await store.init();
  return store;
}
