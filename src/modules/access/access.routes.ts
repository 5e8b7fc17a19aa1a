import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { parseInput } from '../../lib/validation.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { grantAccess } from './access.usecases.ts';
import { revokeGrant } from '../applications/grants.usecases.ts';

const repoRef = (c: AppContext, type: RepoType) => ({ type, namespace: c.req.param('namespace') ?? '', name: c.req.param('name') ?? '' });

export const revokeSchema = z.object({ user: z.string().trim().min(1, 'name the user whose access you revoke'), reason: z.string().trim().max(2000).optional(), blockReapplication: z.boolean().optional() });

/** Airlock's own grants API for publishers (applications are in the applications module). */
export function accessRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    const base = `/api/${prefix}/:namespace/:name`;

    app.post(`${base}/grants`, async (c) => {
      const body = await c.req.json();
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.manage-access', repoRef(c, type));
      const { grant, user } = await grantAccess(deps.db, c.get('actor'), repo, body, auditContextOf(c), deps.clock.now());
      return c.json({ id: grant.id, user: user.username, startsAt: grant.startsAt.toISOString(), endsAt: grant.endsAt?.toISOString() ?? null }, 201);
    });

    app.post(`${base}/grants/revoke`, async (c) => {
      const body = parseInput(revokeSchema, await c.req.json());
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.manage-access', repoRef(c, type));
      // The applications module records the reason, tells the user and can bar re-application.
      const { revoked, user } = await revokeGrant(deps, c.get('actor'), repo, body, auditContextOf(c));
      return c.json({ user: user.username, revoked });
    });
  }
  return app;
}
