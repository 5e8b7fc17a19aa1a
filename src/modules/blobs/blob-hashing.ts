import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { AppError } from '../../lib/errors.ts';
import { LFS_SIZE_THRESHOLD } from '../repos/repos.models.ts';

/**
 * Whether a blob of `size` bytes needs its git blob sha1. A file this large is always served through
 * Git LFS, where the tree names the pointer's sha1 and the ETag is the sha256, so the content's sha1
 * is never shown. Skipping it halves the hashing cost of a large upload.
 */
export const needsGitSha1 = (size: number) => size < LFS_SIZE_THRESHOLD;

/**
 * A pass-through that hashes an upload on its way into a store (sha256, and git's blob sha1 when the
 * length is announced) and stops it past `maxSize`. Shared by every store, so each one names and
 * checks a blob the same way.
 */
export function uploadHasher(options: { expectedSize?: number; maxSize?: number }) {
  const sha256 = createHash('sha256');
  // Git's blob id needs the length up front; when the client did not announce it the store hashes a
  // second pass, of a small blob only.
  const sha1 = options.expectedSize !== undefined && needsGitSha1(options.expectedSize) ? createHash('sha1').update(`blob ${options.expectedSize}\0`) : null;
  const maxSize = options.maxSize ?? Number.MAX_SAFE_INTEGER;
  let size = 0;
  /** The hasher's own refusal, which must reach the client as it is rather than wrapped by a store's SDK. */
  let refusal: AppError | null = null;
  const stream = new Transform({
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxSize) {
        refusal = new AppError('blob_too_large', 413, `The upload is larger than the ${maxSize} bytes allowed.`);
        return callback(refusal);
      }
      sha256.update(chunk);
      sha1?.update(chunk);
      callback(null, chunk);
    },
  });
  return {
    stream,
    refusal: () => refusal,
    size: () => size,
    /** Throws when the body ended before the announced length (a client that went away). */
    checkComplete() {
      if (options.expectedSize !== undefined && size !== options.expectedSize) {
        throw new AppError('size_mismatch', 400, `The upload ended after ${size} of the ${options.expectedSize} bytes announced. Upload the file again.`, { field: 'body' });
      }
    },
    sha256: () => sha256.digest('hex'),
    /** The git blob sha1 when it was computed on the way in: the length was announced and the blob is small. */
    gitSha1: () => (sha1 ? sha1.digest('hex') : null),
  };
}

/**
 * The git blob sha1 a store records: the one computed on the way in, else (length not announced)
 * read back from the stored bytes, else null for a blob large enough to be always served through LFS.
 */
export async function storedGitSha1(onTheWayIn: string | null, size: number, readBack: () => Readable): Promise<string | null> {
  if (onTheWayIn) return onTheWayIn;
  return needsGitSha1(size) ? gitSha1Of(readBack(), size) : null;
}

/** Git's blob id of stored bytes, read back in a second pass. */
export async function gitSha1Of(source: Readable, size: number): Promise<string> {
  const hash = createHash('sha1').update(`blob ${size}\0`);
  for await (const chunk of source) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
