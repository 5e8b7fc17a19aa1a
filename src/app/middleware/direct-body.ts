import type { ServerResponse } from 'node:http';
import { createMiddleware } from 'hono/factory';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { AppContext, AppEnv } from '../context.ts';

/** A body written straight to Node's response, after every middleware has set its headers. */
export interface DirectBody {
  send(out: ServerResponse): Promise<void>;
  /** Releases what `send` would have used, when the response was replaced (an error after the handler). */
  cancel(): Promise<void>;
}

/** Marks the response a direct body belongs to; never sent. */
const MARKER = 'x-airlock-direct-body';

/**
 * Answers `c` with `headers` and a body that `body` writes to Node's response itself. Only under
 * @hono/node-server (`c.env.outgoing`); the caller builds a web-stream body otherwise.
 */
export function respondDirect(c: AppContext, status: 200 | 206, headers: Record<string, string>, body: DirectBody): Response {
  c.set('directBody', body);
  return c.body(null, status, { ...headers, [MARKER]: '1' });
}

/**
 * The outermost middleware: when the handler chose a direct body, writes the final status and
 * headers (security headers, CORS and the request id included) and then the body, and tells
 * @hono/node-server the response is already sent. Downloads use it to skip the web-stream layer
 * and reuse their buffers (see local-file-body.ts).
 */
export const sendDirectBodies = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const body = c.get('directBody');
  if (!body) return;
  const out = c.env?.outgoing;
  if (!out || c.res.headers.get(MARKER) !== '1') {
    await body.cancel();
    return;
  }
  const headers: Record<string, string | string[]> = {};
  c.res.headers.forEach((value, name) => {
    if (name !== MARKER && name !== 'set-cookie') headers[name] = value;
  });
  const cookies = c.res.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  out.writeHead(c.res.status, headers);
  await body.send(out);
  // Assigning over an existing response makes Hono copy it into a new one, which @hono/node-server
  // would then try to send again; cleared first, the marker response is kept as it is.
  (c as unknown as { res: Response | undefined }).res = undefined;
  c.res = RESPONSE_ALREADY_SENT;
});
