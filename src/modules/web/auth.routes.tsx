import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { SESSION_COOKIE } from '../../app/middleware/authenticate.ts';
import { AppError } from '../../lib/errors.ts';
import { RateLimiter } from '../../lib/rate-limit.ts';
import { authenticateWithPassword, createSession, endSession, registerUser } from '../users/users.usecases.ts';
import { SignInPage, SignUpPage } from './auth.pages.tsx';
import { formFields, isFormError, safeNextPath, sendPage } from './web.support.ts';

const FIFTEEN_MINUTES = 15 * 60 * 1000;

/** Every field but the password, to fill the form again after an error. */
const withoutPassword = ({ password: _password, ...rest }: Record<string, string>) => rest;

/**
 * Sign-up, sign-in and sign-out for browsers. A session is an HttpOnly cookie: scripts cannot read
 * it, SameSite=Lax keeps it off cross-site posts, and it is Secure whenever the site is served on https.
 */
export function authRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  // Password guessing is throttled per account (from one address) and per address overall:
  // the first stops a focused attack without locking the owner out from elsewhere, the second a spray.
  const perAccount = new RateLimiter(10, FIFTEEN_MINUTES);
  const perAddress = new RateLimiter(50, FIFTEEN_MINUTES);
  // Account creation is cheap to script; a cap per address keeps a bot from filling the namespace.
  const signUpsPerAddress = new RateLimiter(20, 60 * 60 * 1000);

  async function startSession(c: AppContext, userId: string) {
    const previous = getCookie(c, SESSION_COOKIE);
    if (previous) await endSession(deps.db, previous);
    const session = await createSession(deps.db, userId);
    setCookie(c, SESSION_COOKIE, session.value, {
      httpOnly: true, sameSite: 'Lax', path: '/', expires: session.expiresAt, secure: deps.config.baseUrl.startsWith('https://'),
    });
  }

  const addressOf = (c: AppContext) => c.get('clientIp') ?? 'unknown';
  const accountKey = (c: AppContext, username: string) => `${addressOf(c)}|${username.trim().toLowerCase()}`;

  /** Counts one sign-in attempt; returns the error to show when either limit is exceeded. */
  function throttle(c: AppContext, username: string): AppError | null {
    const now = deps.clock.now().getTime();
    const results = [perAccount.hit(accountKey(c, username), now), perAddress.hit(addressOf(c), now)];
    const waits = results.flatMap((r) => (r.allowed ? [] : [r.retryAfterSeconds]));
    if (waits.length === 0) return null;
    const seconds = Math.max(...waits);
    return new AppError('too_many_attempts', 429, `Too many sign-in attempts. Wait ${Math.ceil(seconds / 60)} minute(s) and try again.`, { headers: { 'Retry-After': String(seconds) } });
  }

  app.get('/signup', (c) => {
    const next = safeNextPath(c.req.query('next'));
    if (c.get('actor').kind === 'user') return c.redirect(next, 303);
    return sendPage(c, <SignUpPage actor={c.get('actor')} state={{}} next={next} />);
  });

  app.post('/signup', async (c) => {
    const form = await formFields(c);
    const next = safeNextPath(form.next);
    const limited = signUpsPerAddress.hit(addressOf(c), deps.clock.now().getTime());
    if (!limited.allowed) {
      const error = new AppError('too_many_sign_ups', 429, `Too many accounts were created from your address. Wait ${Math.ceil(limited.retryAfterSeconds / 60)} minute(s) and try again.`, { headers: { 'Retry-After': String(limited.retryAfterSeconds) } });
      return sendPage(c, <SignUpPage actor={c.get('actor')} state={{ values: withoutPassword(form), error }} next={next} />, 429, error.headers);
    }
    try {
      const user = await registerUser(deps.db, { username: form.username ?? '', email: form.email ?? '', displayName: form.displayName || undefined, password: form.password ?? '' }, { audit: auditContextOf(c) });
      await startSession(c, user.id);
      return c.redirect(next, 303);
    } catch (error) {
      if (!isFormError(error)) throw error;
      return sendPage(c, <SignUpPage actor={c.get('actor')} state={{ values: withoutPassword(form), error }} next={next} />, error.status);
    }
  });

  app.get('/login', (c) => {
    const next = safeNextPath(c.req.query('next'));
    if (c.get('actor').kind === 'user') return c.redirect(next, 303);
    return sendPage(c, <SignInPage actor={c.get('actor')} providers={deps.config.oidcProviders} state={{}} next={next} />);
  });

  app.post('/login', async (c) => {
    const form = await formFields(c);
    const next = safeNextPath(form.next);
    const values = withoutPassword(form);
    const limited = throttle(c, form.username ?? '');
    if (limited) return sendPage(c, <SignInPage actor={c.get('actor')} providers={deps.config.oidcProviders} state={{ values, error: limited }} next={next} />, 429, limited.headers);
    try {
      const user = await authenticateWithPassword(deps.db, { username: form.username ?? '', password: form.password ?? '' }, auditContextOf(c));
      perAccount.reset(accountKey(c, form.username ?? ''));
      await startSession(c, user.id);
      return c.redirect(next, 303);
    } catch (error) {
      if (!isFormError(error)) throw error;
      return sendPage(c, <SignInPage actor={c.get('actor')} providers={deps.config.oidcProviders} state={{ values, error }} next={next} />, error.status);
    }
  });

  // POST only, so a link or an image on another page cannot sign anyone out; the CSRF check covers the rest.
  app.post('/logout', async (c) => {
    const session = getCookie(c, SESSION_COOKIE);
    if (session) await endSession(deps.db, session);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: deps.config.baseUrl.startsWith('https://') });
    return c.redirect('/', 303);
  });

  return app;
}
