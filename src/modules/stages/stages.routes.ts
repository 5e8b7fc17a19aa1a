import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { listStages } from './stages.repository.ts';
import { presentStage, saveSchedule } from './stages.usecases.ts';

const repoRef = (c: AppContext, type: RepoType) => ({ type, namespace: c.req.param('namespace') ?? '', name: c.req.param('name') ?? '' });

/** The release schedule: public wherever the repository is visible; set by its publishers. */
export function stageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    const base = `/api/${prefix}/:namespace/:name/stages`;
    app.get(base, async (c) => {
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', repoRef(c, type));
      const now = deps.clock.now();
      return c.json({ repositoryLevel: repo.accessLevel, stages: (await listStages(deps.db, repo.id)).map((s) => presentStage(s, now)) });
    });
    app.put(base, async (c) => {
      const body = await c.req.json();
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.manage-access', repoRef(c, type));
      await saveSchedule(deps, c.get('actor'), repo, body, auditContextOf(c));
      const now = deps.clock.now();
      return c.json({ repositoryLevel: repo.accessLevel, stages: (await listStages(deps.db, repo.id)).map((s) => presentStage(s, now)) });
    });
  }
  return app;
}
