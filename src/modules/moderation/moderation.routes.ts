import { jsonBody } from '../../lib/validation.ts';
import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { blockRepository, blockUser, unblockRepository, unblockUser } from './moderation.usecases.ts';

const repoRef = (c: AppContext, type: RepoType) => ({ type, namespace: c.req.param('namespace') ?? '', name: c.req.param('name') ?? '' });

/** Platform moderation API: block and unblock repositories and accounts. */
export function moderationRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    const base = `/api/${prefix}/:namespace/:name`;
    app.post(`${base}/block`, async (c) => {
      const input = await jsonBody(c);
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', repoRef(c, type));
      const row = await blockRepository(deps, c.get('actor'), repo, input, auditContextOf(c));
      return c.json({ blocked: true, blockedAt: row.blockedAt?.toISOString() ?? null, reason: row.blockedReason });
    });
    app.post(`${base}/unblock`, async (c) => {
      const input = await jsonBody(c);
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', repoRef(c, type));
      await unblockRepository(deps, c.get('actor'), repo, input, auditContextOf(c));
      return c.json({ blocked: false });
    });
  }
  app.post('/api/users/:username/block', async (c) => {
    await blockUser(deps, c.get('actor'), c.req.param('username'), await jsonBody(c), auditContextOf(c));
    return c.json({ blocked: true });
  });
  app.post('/api/users/:username/unblock', async (c) => {
    await unblockUser(deps, c.get('actor'), c.req.param('username'), await jsonBody(c), auditContextOf(c));
    return c.json({ blocked: false });
  });
  return app;
}
