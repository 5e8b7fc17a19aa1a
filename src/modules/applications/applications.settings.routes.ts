import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import type { Actor } from '../access/actor.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { presentPolicy } from './applications.presenters.ts';
import { addReviewer, loadReviewers, readAccessPolicy, removeReviewer, saveAccessPolicy } from './applications.settings.usecases.ts';

const repoRef = (c: AppContext, type: RepoType) => ({ type, namespace: c.req.param('namespace') ?? '', name: c.req.param('name') ?? '' });

/** Publishers set a repository's access policy and review committee; anyone who can see the repository reads them. */
export function applicationSettingsRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    const base = `/api/${prefix}/:namespace/:name`;

    app.get(`${base}/access-policy`, async (c) => {
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', repoRef(c, type));
      return c.json(presentPolicy(repo, await readAccessPolicy(deps, repo)));
    });

    app.put(`${base}/access-policy`, async (c) => {
      const body = await c.req.json();
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.manage-access', repoRef(c, type));
      return c.json(presentPolicy(repo, await saveAccessPolicy(deps, c.get('actor') as Actor & { kind: 'user' }, repo, body, auditContextOf(c))));
    });

    app.get(`${base}/reviewers`, async (c) => {
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', repoRef(c, type));
      const reviewers = await loadReviewers(deps, repo);
      return c.json(reviewers.map((r) => ({ username: r.username, displayName: r.displayName, addedAt: r.addedAt.toISOString() })));
    });

    app.put(`${base}/reviewers/:username`, async (c) => {
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.manage-access', repoRef(c, type));
      const { user, added } = await addReviewer(deps, c.get('actor') as Actor & { kind: 'user' }, repo, c.req.param('username'), auditContextOf(c));
      return c.json({ username: user.username, added }, added ? 201 : 200);
    });

    app.delete(`${base}/reviewers/:username`, async (c) => {
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.manage-access', repoRef(c, type));
      const user = await removeReviewer(deps, c.get('actor') as Actor & { kind: 'user' }, repo, c.req.param('username'), auditContextOf(c));
      return c.json({ username: user.username, removed: true });
    });
  }
  return app;
}
