import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Db } from '../../db/client.ts';
import { ANONYMOUS, toActorUser } from '../../modules/access/actor.ts';
import { invalidTokenError, resolveToken } from '../../modules/tokens/tokens.usecases.ts';
import { resolveSession } from '../../modules/users/users.usecases.ts';
import { readAccessEpoch } from '../../modules/access/access-epoch.ts';
import type { AppEnv } from '../context.ts';

export const SESSION_COOKIE = 'airlock_session';

/**
 * Works out who is calling: a bearer token wins over a session cookie. A bad token is refused
 * outright (401), as the Hub does, rather than silently treated as anonymous.
 */
export const authenticate = (db: Db) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization');
    if (header) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw invalidTokenError();
      // Read once per request: the token and the download gate's facts are cached at this epoch.
      const epoch = await readAccessEpoch(db);
      c.set('accessEpoch', epoch);
      const { token, user } = await resolveToken(db, match[1]!, new Date(), { ip: c.get('clientIp') }, epoch);
      c.set('actor', { kind: 'user', via: 'token', user: toActorUser(user), token: { id: token.id, name: token.name, scope: token.scope, createdAt: token.createdAt } });
      return next();
    }
    const session = getCookie(c, SESSION_COOKIE);
    const user = session ? await resolveSession(db, session) : undefined;
    c.set('actor', user ? { kind: 'user', via: 'session', user: toActorUser(user) } : ANONYMOUS);
    return next();
  });
