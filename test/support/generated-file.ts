import { createCipheriv, createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';

/**
 * Deterministic pseudo-random bytes of any size, generated as a stream: AES-256-CTR over zeros,
 * keyed by a seed. CTR mode can start at any 16-byte block, so a byte range can be regenerated
 * without producing what comes before it, and nothing is ever held whole in memory.
 */
const CHUNK = 1 << 20;
const ZEROS = Buffer.alloc(CHUNK);

function cipherAt(seed: string, offset: number) {
  const key = createHash('sha256').update(`airlock-test-bytes\0${seed}`).digest();
  const block = BigInt(Math.floor(offset / 16));
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(block >> 64n, 0);
  iv.writeBigUInt64BE(block & 0xffff_ffff_ffff_ffffn, 8);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  cipher.update(ZEROS.subarray(0, offset % 16));
  return cipher;
}

/** The bytes [start, start + length) of the generated file named by `seed`, in chunks of at most 1 MiB. */
export function* generatedChunks(seed: string, length: number, start = 0): Generator<Buffer> {
  const cipher = cipherAt(seed, start);
  for (let left = length; left > 0; left -= CHUNK) yield cipher.update(ZEROS.subarray(0, Math.min(CHUNK, left)));
}

export const generatedStream = (seed: string, length: number, start = 0) => Readable.from(generatedChunks(seed, length, start), { objectMode: false });

export const generatedBytes = (seed: string, length: number, start = 0) => Buffer.concat([...generatedChunks(seed, length, start)]);

export function generatedSha256(seed: string, length: number): string {
  const hash = createHash('sha256');
  for (const chunk of generatedChunks(seed, length)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Checks bytes as they arrive, in chunks of any size, against the generated file named by `seed`.
 * Cheaper than hashing (AES-CTR runs in hardware), so it does not slow a throughput measurement.
 */
export function generatedVerifier(seed: string) {
  const cipher = cipherAt(seed, 0);
  let offset = 0;
  let firstMismatch: number | null = null;
  return {
    update(chunk: Uint8Array) {
      for (let done = 0; done < chunk.byteLength; done += CHUNK) {
        const part = chunk.subarray(done, Math.min(done + CHUNK, chunk.byteLength));
        const expected = cipher.update(ZEROS.subarray(0, part.byteLength));
        if (firstMismatch === null && !expected.equals(part)) firstMismatch = offset + done;
      }
      offset += chunk.byteLength;
    },
    /** Bytes seen so far, and the offset of the first chunk that differed (null when all matched). */
    result: () => ({ size: offset, firstMismatch }),
  };
}

/** sha256 of everything a stream (web or Node) yields, and how many bytes it had. */
export async function hashStream(stream: AsyncIterable<Uint8Array>): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * PUTs a generated file to `/api/{models|datasets}/{repo}/upload` as a stream with an explicit
 * Content-Length, the way a client uploads a file it does not load into memory.
 */
export function uploadGenerated(baseUrl: string, token: string, apiRepoPath: string, seed: string, size: number): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${baseUrl}/api/${apiRepoPath}/upload`);
    const request = http.request(url, { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Length': String(size), 'Content-Type': 'application/octet-stream' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON; keep the text
        }
        resolve({ status: response.statusCode ?? 0, body });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    generatedStream(seed, size).pipe(request);
  });
}
