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

/** What `respondDirect` answered: the response handed to Hono, and its status and headers as given. */
export interface DirectAnswer {
  body: DirectBody;
  response: Response;
  status: number;
  headers: Record<string, string>;
}

/** Marks the response a direct body belongs to; never sent. */
const MARKER = 'x-airlock-direct-body';

/**
 * Answers `c` with `headers` and a body that `body` writes to Node's response itself. Only under
 * @hono/node-server (`c.env.outgoing`); the caller builds a web-stream body otherwise.
 *
 * Every header must be in `headers`: this answer does not carry what `c.header()` set before it.
 * The middleware's own headers go onto Node's response directly (fixed-headers.ts).
 */
export function respondDirect(c: AppContext, status: 200 | 206, headers: Record<string, string>, body: DirectBody): Response {
  // Built from a plain object, the response makes no undici `Headers` unless something reads them
  // (their cost: fixed-headers.ts).
  const response = new Response(null, { status, headers: { ...headers, [MARKER]: '1' } });
  c.set('directAnswer', { body, response, status, headers });
  return response;
}

/**
 * The outermost middleware: when the handler chose a direct body, writes the final status and
 * headers (the handler's, over the security, CORS and request-id headers already on Node's
 * response) and then the body, and tells @hono/node-server the response is already sent. Downloads
 * use it to skip the web-stream layer and reuse their buffers (see local-file-body.ts).
 */
export const sendDirectBodies = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const answer = c.get('directAnswer');
  if (!answer) return;
  const out = c.env?.outgoing;
  // An error after the handler replaces the answer, and Hono copies the replaced answer's headers
  // into the error's: the marker (so `c.error` is what tells the two apart), and the file's length
  // and validators, which would cut the error's body short or describe a file it is not.
  if (!out || c.error) {
    if (c.error) {
      const fileHeaders = [MARKER, ...Object.keys(answer.headers)].filter((name) => name.toLowerCase() !== 'content-type');
      for (const name of fileHeaders) c.res.headers.delete(name);
    }
    await answer.body.cancel();
    return;
  }
  if (c.res === answer.response) {
    out.writeHead(answer.status, answer.headers);
  } else if (c.res.headers.get(MARKER) === '1') {
    // A middleware added headers after the handler, so Hono copied the response: send the copy's.
    const headers: Record<string, string | string[]> = {};
    c.res.headers.forEach((value, name) => {
      if (name !== MARKER && name !== 'set-cookie') headers[name] = value;
    });
    const cookies = c.res.headers.getSetCookie();
    if (cookies.length > 0) headers['set-cookie'] = cookies;
    out.writeHead(c.res.status, headers);
  } else {
    // Replaced by a middleware: Hono sends the replacement.
    await answer.body.cancel();
    return;
  }
  await answer.body.send(out);
  // Assigning over an existing response makes Hono copy it into a new one, which @hono/node-server
  // would then try to send again; cleared first, the marker response is kept as it is.
  (c as unknown as { res: Response | undefined }).res = undefined;
  c.res = RESPONSE_ALREADY_SENT;
});
