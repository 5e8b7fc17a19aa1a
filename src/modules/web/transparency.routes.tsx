import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import type { AppEnv } from '../../app/context.ts';
import { loadTransparency } from '../assessments/transparency.usecases.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import { TransparencyPage } from './transparency.pages.tsx';
import { pageRepoRef, repoPagePath, sendPage } from './web.support.ts';

/** `/{namespace}/{name}/transparency`: public whenever the repository is (`repo.view`), 404 otherwise. */
export function transparencyPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['/datasets', 'dataset'], ['', 'model']] as const) {
    app.get(`${prefix}/:namespace/:name/transparency`, async (c) => {
      const actor = c.get('actor');
      const { repo } = await loadRepositoryFor(deps, actor, 'repo.view', pageRepoRef(c, type));
      const report = await loadTransparency(deps, repo, repoPagePath(repo));
      return sendPage(c, <TransparencyPage actor={actor} repo={repo} report={report} />);
    });
  }
  return app;
}
