import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppEnv } from '../../app/context.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import { formFields, loginPath, pageRepoRef, repoPagePath } from '../web/web.support.ts';
import { blockRepository, unblockRepository } from './moderation.usecases.ts';

/** The repository page's block and unblock forms: the API's use cases, then back to the page. */
export function moderationPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['/datasets', 'dataset'], ['', 'model']] as const) {
    for (const [step, run] of [['block', blockRepository], ['unblock', unblockRepository]] as const) {
      app.post(`${prefix}/:namespace/:name/moderation/${step}`, async (c) => {
        const ref = pageRepoRef(c, type);
        if (c.get('actor').kind === 'anonymous') return c.redirect(loginPath(repoPagePath(ref)), 303);
        const form = await formFields(c);
        const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', ref);
        // A missing reason or a block that already happened is shown on the error page with its message.
        await run(deps, c.get('actor'), repo, { reason: form.reason || undefined }, auditContextOf(c));
        return c.redirect(repoPagePath(repo), 303);
      });
    }
  }
  return app;
}
