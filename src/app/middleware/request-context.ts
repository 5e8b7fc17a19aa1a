import { randomUUID } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Logger } from '../../lib/logger.ts';
import type { AppEnv } from '../context.ts';

/** The path as logged: a reference's one-time link carries its token in the path, which must not reach a log. */
export const loggedPath = (path: string) => path.replace(/^(\/(?:api\/)?references\/)[^/]+/, '$1[redacted]');

/** Gives every request an id (echoed as X-Request-Id), the client address, and one access-log line. */
export const requestContext = (logger: Logger) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const requestId = randomUUID();
    c.set('requestId', requestId);
    let ip: string | null = null;
    try {
      ip = getConnInfo(c).remote.address ?? null;
    } catch {
      ip = null;
    }
    c.set('clientIp', ip);
    c.set('csrfToken', null);
    const started = performance.now();
    // Straight onto Node's response when there is one, not onto the finished Response's Headers
    // (see fixed-headers.ts).
    const out = c.env?.outgoing;
    if (out && !out.headersSent) out.setHeader('X-Request-Id', requestId);
    await next();
    if (!out) c.header('X-Request-Id', requestId);
    // The path only: query strings may carry secrets (such as a reference token).
    logger.info({ requestId, method: c.req.method, path: loggedPath(c.req.path), status: c.res.status, ms: Math.round(performance.now() - started) }, 'request');
  });
