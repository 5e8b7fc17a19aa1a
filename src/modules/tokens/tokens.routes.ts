import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppEnv } from '../../app/context.ts';
import { AppError } from '../../lib/errors.ts';
import { authorize } from '../access/access.policies.ts';
import type { Actor } from '../access/actor.ts';
import { createToken, listTokens, loadToken, revokeToken } from './tokens.usecases.ts';
import type { TokenRow } from './tokens.repository.ts';

export const presentToken = (t: TokenRow) => ({
  id: t.id, name: t.name, scope: t.scope, prefix: t.displayPrefix,
  createdAt: t.createdAt.toISOString(), expiresAt: t.expiresAt?.toISOString() ?? null, lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
});

/** Throws unless the actor may manage the tokens of `ownerId`; returns the signed-in user id. */
export function ensureCanManageTokens(actor: Actor, ownerId?: string): string {
  if (actor.kind === 'anonymous') throw new AppError('authentication_required', 401, 'Sign in to manage your tokens.');
  const decision = authorize(actor, { type: 'token.manage', ownerId: ownerId ?? actor.user.id });
  if (decision.allowed) return actor.user.id;
  if (decision.reason === 'not-found') throw new AppError('token_not_found', 404, 'No such token. List your tokens to find its id.');
  if (decision.reason === 'user-blocked') throw new AppError('user_blocked', 403, 'Your account is blocked. Contact the platform administrators.');
  throw new AppError('forbidden', 403, 'Tokens are managed from a signed-in browser session, not with another token. Open Settings → Tokens.');
}

export function tokenRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/api/tokens', async (c) => {
    const userId = ensureCanManageTokens(c.get('actor'));
    return c.json((await listTokens(deps.db, userId)).map(presentToken));
  });
  app.post('/api/tokens', async (c) => {
    const userId = ensureCanManageTokens(c.get('actor'));
    const { token, value } = await createToken(deps.db, userId, await c.req.json(), auditContextOf(c));
    return c.json({ ...presentToken(token), token: value }, 201);
  });
  app.delete('/api/tokens/:id', async (c) => {
    const token = await loadToken(deps.db, c.req.param('id'));
    const userId = ensureCanManageTokens(c.get('actor'), token.userId);
    await revokeToken(deps.db, token, userId, auditContextOf(c));
    return c.body(null, 204);
  });
  return app;
}
