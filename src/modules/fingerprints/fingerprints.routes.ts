import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { readFingerprinting, setFingerprinting } from './fingerprints.usecases.ts';

const repoRef = (c: AppContext, type: RepoType) => ({ type, namespace: c.req.param('namespace') ?? '', name: c.req.param('name') ?? '' });

/**
 * `GET|PUT /api/{models|datasets}/{repo}/fingerprinting`. Anyone who can see the repository may read
 * the setting (recipients should know their copy is marked); publishers change it.
 */
export function fingerprintRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    const path = `/api/${prefix}/:namespace/:name/fingerprinting`;
    app.get(path, async (c) => {
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', repoRef(c, type));
      return c.json(await readFingerprinting(deps, repo));
    });
    app.put(path, async (c) => {
      const body = await c.req.json().catch(() => null);
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.write', repoRef(c, type));
      return c.json(await setFingerprinting(deps, c.get('actor'), repo, body, auditContextOf(c)));
    });
  }
  return app;
}
