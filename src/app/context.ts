import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { Actor } from '../modules/access/actor.ts';
import type { AuditContext } from '../modules/audit/audit.repository.ts';
import type { DirectAnswer } from './middleware/direct-body.ts';

/** Variables the middleware puts on every request's context. */
export type AppEnv = {
  /** Node's request and response, when served by @hono/node-server (absent under `app.request`). */
  Bindings: Partial<HttpBindings>;
  Variables: {
    actor: Actor;
    requestId: string;
    clientIp: string | null;
    /** Set by the session middleware for browser pages; the CSRF token bound to the session. */
    csrfToken: string | null;
    /** The access epoch read for this request, when a cached lookup needed it (see access-epoch.ts). */
    accessEpoch?: number;
    /** An answer whose body the outermost middleware writes to Node's response itself (see direct-body.ts). */
    directAnswer?: DirectAnswer;
  };
};

export type AppContext = Context<AppEnv>;

export const auditContextOf = (c: AppContext): AuditContext => ({ ip: c.get('clientIp'), userAgent: c.req.header('user-agent') ?? null });
