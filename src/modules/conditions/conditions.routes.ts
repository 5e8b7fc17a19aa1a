import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppEnv } from '../../app/context.ts';
import { AppError, unauthenticated } from '../../lib/errors.ts';
import { authorize } from '../access/access.policies.ts';
import type { Actor } from '../access/actor.ts';
import type { ConditionAction } from './conditions.policies.ts';
import type { PlatformConditionRow } from './conditions.repository.ts';
import { addPlatformCondition, listPlatformConditions, retireCondition } from './conditions.usecases.ts';

export function ensureConditionAllowed(actor: Actor, action: ConditionAction): Actor & { kind: 'user' } {
  const decision = authorize(actor, action);
  if (decision.allowed && actor.kind === 'user') return actor;
  const reason = decision.allowed ? 'sign-in-required' : decision.reason;
  if (reason === 'sign-in-required') throw unauthenticated('Sign in, or pass a token, to set platform conditions.');
  if (reason === 'insufficient-scope') throw new AppError('insufficient_scope', 403, 'This token is read-only. Use a write token or the browser.');
  throw new AppError('forbidden', 403, 'Only platform administrators set platform-wide conditions.');
}

export const presentPlatformCondition = (c: PlatformConditionRow) => ({ id: c.id, source: 'platform' as const, text: c.text, createdAt: c.createdAt.toISOString() });

/** Platform-wide conditions: everyone reads them; platform admins add and retire them. */
export function conditionRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/api/conditions', async (c) => c.json((await listPlatformConditions(deps)).map(presentPlatformCondition)));
  app.post('/api/conditions', async (c) => {
    const body = await c.req.json().catch(() => ({}));
    const actor = ensureConditionAllowed(c.get('actor'), { type: 'condition.manage-platform' });
    return c.json(presentPlatformCondition(await addPlatformCondition(deps, actor, body, auditContextOf(c))), 201);
  });
  app.post('/api/conditions/:id/retire', async (c) => {
    const actor = ensureConditionAllowed(c.get('actor'), { type: 'condition.manage-platform' });
    const row = await retireCondition(deps, actor, c.req.param('id'), auditContextOf(c));
    return c.json({ ...presentPlatformCondition(row), retiredAt: row.retiredAt!.toISOString() });
  });
  return app;
}
