import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../../lib/errors.ts';

/** The largest JSON body: a commit of the most operations allowed (100,000 paths) fits. */
export const JSON_BODY_LIMIT = 32 * 1024 * 1024;
/** The largest url-encoded form: a 1 MiB card, percent-encoded, fits. */
export const FORM_BODY_LIMIT = 4 * 1024 * 1024;
/**
 * How much of a refused body is still read (and dropped) so that the client, still sending, can
 * read the 413 instead of seeing its connection cut. Past this, the server stops reading.
 */
const DRAIN_LIMIT = 256 * 1024 * 1024;

const UPLOAD_PATH = /^\/api\/(models|datasets)\/[^/]+\/[^/]+\/upload$/;

const tooLarge = (what: string, limit: number) =>
  new AppError('body_too_large', 413, `body: ${what} may have at most ${limit / (1024 * 1024)} MiB. Send less, or upload files through the upload route, which streams them.`, { field: 'body' });

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, alreadyRead: number) {
  for (let read = alreadyRead; read <= DRAIN_LIMIT;) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.length;
  }
  await reader.cancel().catch(() => {});
}

/** Reads the body up to `limit` bytes into memory and hands it on; a larger one is a 413. */
async function readLimited(c: Context, limit: number, what: string) {
  const body = c.req.raw.body;
  if (!body) return;
  const reader = body.getReader();
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await drain(reader, 0);
    throw tooLarge(what, limit);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await drain(reader, size);
      throw tooLarge(what, limit);
    }
    chunks.push(value);
  }
  c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks, size) });
}

/**
 * Caps the bodies that are read whole into memory (JSON and url-encoded forms), so one request
 * cannot make the server hold gigabytes. File uploads stream to the blob store and are limited
 * there; multipart certificate uploads check their own size.
 */
export function limitBufferedBodies(): MiddlewareHandler {
  return async (c, next) => {
    // An upload is file bytes, streamed from the socket to the blob store, whatever type the client
    // names (a `config.json` is often sent as application/json): never buffer it here.
    if (c.req.method === 'PUT' && UPLOAD_PATH.test(c.req.path)) return next();
    const type = (c.req.header('content-type') ?? '').toLowerCase();
    if (/^application\/([a-z0-9.+-]*\+)?json\b/.test(type)) await readLimited(c, JSON_BODY_LIMIT, 'a JSON body');
    else if (type.startsWith('application/x-www-form-urlencoded')) await readLimited(c, FORM_BODY_LIMIT, 'a form');
    await next();
  };
}
