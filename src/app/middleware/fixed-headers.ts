import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../context.ts';

export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

/**
 * Adds `headers` to every response that does not set them itself.
 *
 * Under Node's server they go onto Node's response before the handler runs, and `writeHead` merges
 * them under the handler's own. Hono's middleware set them on the finished Response instead, which
 * makes it build undici `Headers` for every answer: a fifth of the server's CPU on `HEAD /resolve`
 * (bench/NOTES.md, entry 15). Under `app.request` (no Node response) they are set on the Response.
 */
export const fixedHeaders = (headers: HeaderList): MiddlewareHandler<AppEnv> => async (c, next) => {
  const out = c.env?.outgoing;
  if (out && !out.headersSent) {
    for (const [name, value] of headers) out.setHeader(name, value);
    await next();
    return;
  }
  await next();
  for (const [name, value] of headers) if (!c.res.headers.has(name)) c.res.headers.set(name, value);
};

/** Headers browsers may read from cross-origin answers (the JS client runs in browsers too). */
export const EXPOSED_HEADERS = ['X-Error-Code', 'X-Error-Message', 'X-Repo-Commit', 'X-Linked-Etag', 'X-Linked-Size', 'ETag', 'Content-Range', 'Content-Length', 'Accept-Ranges', 'Link', 'X-Request-Id'];

/**
 * CORS for a public API with a wildcard origin: Hono's middleware answers preflights, and every
 * other answer gets the two fixed headers. Cookies are never sent cross-origin (no credentials), so
 * a wildcard origin exposes nothing.
 */
export function publicCors(allowMethods: string[]): MiddlewareHandler<AppEnv> {
  const preflight = cors({ origin: '*', allowHeaders: ['Authorization', 'Range', 'Content-Type'], exposeHeaders: EXPOSED_HEADERS, allowMethods });
  const actual = fixedHeaders([
    ['Access-Control-Allow-Origin', '*'],
    ['Access-Control-Expose-Headers', EXPOSED_HEADERS.join(',')],
  ]);
  return (c, next) => (c.req.method === 'OPTIONS' ? preflight(c, next) : actual(c, next));
}

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https:",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/**
 * The security headers on every answer (what Hono's `secureHeaders` sent with our options). Files
 * are fetched cross-origin by the JS client, hence the cross-origin resource policy.
 */
export const SECURITY_HEADERS: HeaderList = [
  ['Content-Security-Policy', CONTENT_SECURITY_POLICY],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'cross-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'same-origin'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
];
