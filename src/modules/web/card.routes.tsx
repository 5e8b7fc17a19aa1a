import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { parseInput } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import { compareQuerySchema } from '../repos/card-history.schemas.ts';
import { compareCards, editCard, loadCardHistory, readCardAt } from '../repos/card-history.usecases.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import { CardComparePage, CardEditPage, CardHistoryPage } from './card.pages.tsx';
import type { FormState } from './form.tsx';
import { formFields, isFormError, loginPath, pageRepoRef, repoPagePath, sendPage } from './web.support.ts';

/**
 * The card's history, diffs and browser editor, under `/{namespace}/{name}/card/…` and the
 * dataset equivalent. Mounted after the repository pages, whose two-segment routes come first.
 */
export function cardPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['/datasets', 'dataset'], ['', 'model']] as const) {
    const base = `${prefix}/:namespace/:name/card`;

    app.get(`${base}/history`, async (c) => {
      const actor = c.get('actor');
      const { repo, facts } = await loadRepositoryFor(deps, actor, 'repo.view', pageRepoRef(c, type));
      const history = await loadCardHistory(deps, repo);
      return sendPage(c, <CardHistoryPage actor={actor} repo={repo} history={history} canEdit={authorize(actor, { type: 'repo.write', facts }).allowed} />);
    });

    app.get(`${base}/compare`, async (c) => {
      const actor = c.get('actor');
      const query = parseInput(compareQuerySchema, c.req.query());
      const { repo } = await loadRepositoryFor(deps, actor, 'repo.view', pageRepoRef(c, type));
      const { from, to, diff } = await compareCards(deps, repo, query.from, query.to);
      return sendPage(c, <CardComparePage actor={actor} repo={repo} from={from.revision.id} to={to.revision.id} diff={diff} />);
    });

    const editPage = async (c: AppContext, repo: RepositoryRow, state: FormState, status = 200) => {
      const current = await readCardAt(deps, repo, 'main');
      const values = state.values ?? {};
      return sendPage(c, <CardEditPage actor={c.get('actor')} repo={repo} content={values.content ?? current.source ?? ''} parentCommit={values.parentCommit ?? current.revision.id} message={values.message ?? ''} state={state} />, status);
    };

    app.get(`${base}/edit`, async (c) => {
      const ref = pageRepoRef(c, type);
      if (c.get('actor').kind === 'anonymous') return c.redirect(loginPath(`${repoPagePath(ref)}/card/edit`), 303);
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.write', ref);
      return editPage(c, repo, {});
    });

    app.post(`${base}/edit`, async (c) => {
      const ref = pageRepoRef(c, type);
      if (c.get('actor').kind === 'anonymous') return c.redirect(loginPath(`${repoPagePath(ref)}/card/edit`), 303);
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.write', ref);
      const form = await formFields(c);
      try {
        await editCard(deps, c.get('actor'), repo, form, { ...auditContextOf(c), via: 'web' });
      } catch (error) {
        if (!isFormError(error)) throw error;
        // A stale parent keeps what was typed; the editor can copy it before reloading.
        return editPage(c, repo, { values: form, error }, error.status);
      }
      return c.redirect(`${repoPagePath(repo)}/card/history`, 303);
    });
  }
  return app;
}
