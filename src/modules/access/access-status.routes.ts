import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import type { AppEnv } from '../../app/context.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import { describeAccess } from './access.status.ts';

/** `GET /api/{models|datasets}/{repo}/access`: where the caller stands, and what they still need. */
export function accessStatusRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    app.get(`/api/${prefix}/:namespace/:name/access`, async (c) => {
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', { type, namespace: c.req.param('namespace'), name: c.req.param('name') });
      c.header('Cache-Control', 'private, no-store');
      return c.json(await describeAccess(deps, c.get('actor'), repo));
    });
  }
  return app;
}
