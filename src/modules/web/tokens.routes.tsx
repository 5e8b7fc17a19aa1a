import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppEnv } from '../../app/context.ts';
import { ensureCanManageTokens } from '../tokens/tokens.routes.ts';
import { createToken, listTokens, loadToken, revokeToken } from '../tokens/tokens.usecases.ts';
import { TokensPage } from './tokens.pages.tsx';
import { formFields, isFormError, loginPath, sendPage } from './web.support.ts';

/** The token value must not linger in any cache, the browser's back/forward cache included. */
const NO_STORE = { 'Cache-Control': 'no-store' };

/** A date picker sends `YYYY-MM-DD`; the token should work through that whole day (UTC). */
const endOfDay = (value: string | undefined) => (!value ? undefined : /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59.999Z` : value);

/** Settings → Tokens. Managed from a browser session only (the `token.manage` policy). */
export function tokenPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/settings/tokens', async (c) => {
    const actor = c.get('actor');
    if (actor.kind === 'anonymous') return c.redirect(loginPath('/settings/tokens'), 303);
    const userId = ensureCanManageTokens(actor);
    const tokens = await listTokens(deps.db, userId);
    const notice = c.req.query('revoked') ? `Token “${c.req.query('revoked')}” revoked. Clients using it are refused from now on.` : undefined;
    return sendPage(c, <TokensPage actor={actor} tokens={tokens} state={{}} notice={notice} now={deps.clock.now()} />, 200, NO_STORE);
  });

  app.post('/settings/tokens', async (c) => {
    const actor = c.get('actor');
    if (actor.kind === 'anonymous') return c.redirect(loginPath('/settings/tokens'), 303);
    const userId = ensureCanManageTokens(actor);
    const form = await formFields(c);
    try {
      const created = await createToken(deps.db, userId, { name: form.name ?? '', scope: form.scope === 'write' ? 'write' : 'read', expiresAt: endOfDay(form.expiresAt) }, auditContextOf(c), deps.clock.now());
      const tokens = await listTokens(deps.db, userId);
      return sendPage(c, <TokensPage actor={actor} tokens={tokens} state={{}} created={created} now={deps.clock.now()} />, 201, NO_STORE);
    } catch (error) {
      if (!isFormError(error)) throw error;
      const tokens = await listTokens(deps.db, userId);
      return sendPage(c, <TokensPage actor={actor} tokens={tokens} state={{ values: form, error }} now={deps.clock.now()} />, error.status, NO_STORE);
    }
  });

  app.post('/settings/tokens/:id/revoke', async (c) => {
    const actor = c.get('actor');
    if (actor.kind === 'anonymous') return c.redirect(loginPath('/settings/tokens'), 303);
    const token = await loadToken(deps.db, c.req.param('id'));
    const userId = ensureCanManageTokens(actor, token.userId);
    await revokeToken(deps.db, token, userId, auditContextOf(c));
    return c.redirect(`/settings/tokens?revoked=${encodeURIComponent(token.name)}`, 303);
  });

  return app;
}
