import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppEnv } from '../../app/context.ts';
import { SESSION_COOKIE } from '../../app/middleware/authenticate.ts';
import { createSession, endSession } from '../users/users.usecases.ts';
import { safeNextPath } from '../web/web.support.ts';
import { findProvider, finishSignIn, startSignIn } from './oidc.usecases.ts';

/**
 * `/login/oidc/{provider}` starts signing in (or, for a signed-in browser, linking) with an OpenID
 * provider; `/login/oidc/{provider}/callback` is the redirect URI to register at the provider.
 */
export function oidcRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/login/oidc/:provider', async (c) => {
    const provider = findProvider(deps, c.req.param('provider'));
    const actor = c.get('actor');
    // Linking needs the account's own session: a token cannot attach a sign-in to an account.
    const linkUserId = actor.kind === 'user' && actor.via === 'session' ? actor.user.id : null;
    return c.redirect(await startSignIn(deps, provider, { nextPath: safeNextPath(c.req.query('next')), linkUserId }), 303);
  });

  app.get('/login/oidc/:provider/callback', async (c) => {
    const provider = findProvider(deps, c.req.param('provider'));
    const { userId, nextPath } = await finishSignIn(deps, provider, new URL(c.req.url).search, auditContextOf(c));
    const previous = getCookie(c, SESSION_COOKIE);
    if (previous) await endSession(deps.db, previous);
    const session = await createSession(deps.db, userId);
    setCookie(c, SESSION_COOKIE, session.value, { httpOnly: true, sameSite: 'Lax', path: '/', expires: session.expiresAt, secure: deps.config.baseUrl.startsWith('https://') });
    return c.redirect(nextPath, 303);
  });
  return app;
}
