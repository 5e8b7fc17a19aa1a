import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { AppError } from '../../lib/errors.ts';
import type { AppEnv } from '../context.ts';
import { SESSION_COOKIE } from './authenticate.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * State changes from browsers must come from our own pages. SameSite=Lax already keeps the session
 * cookie off cross-site POSTs; this also checks the Origin (or Referer), so a same-site attacker
 * page or an old browser cannot ride a session, and another site cannot post our sign-in form to
 * sign a victim into the attacker's account (login CSRF). Requests with a bearer token carry no
 * ambient credential; a request with neither cookie nor Origin/Referer is not from a browser page.
 */
export const csrfProtection = (publicOrigin: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (SAFE_METHODS.has(c.req.method) || c.req.header('authorization')) return next();
    const origin = c.req.header('origin') ?? originOf(c.req.header('referer'));
    const hasSession = Boolean(getCookie(c, SESSION_COOKIE));
    if (origin === undefined && !hasSession) return next();
    if (origin === new URL(c.req.url).origin || origin === publicOrigin) return next();
    throw new AppError('csrf_rejected', 403, 'This form was sent from another site or an expired page. Reload the page and try again.');
  });

function originOf(url: string | undefined) {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
