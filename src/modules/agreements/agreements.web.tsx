import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { renderMarkdown } from '../../lib/markdown.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { FormState } from '../web/form.tsx';
import { formFields, isFormError, loginPath, pageRepoRef, repoPagePath, sendPage } from '../web/web.support.ts';
import { AgreementPage } from './agreements.pages.tsx';
import { signer } from './agreements.routes.ts';
import { readRepositoryAgreementFor, signAgreement } from './agreements.usecases.ts';

/** The form's fields as `signAgreement` takes them (the same input as `POST /api/agreements/:id/signatures`). */
export const signInputOf = (form: Record<string, string>) => ({
  version: form.version !== undefined && /^\d{1,9}$/.test(form.version) ? Number(form.version) : form.version,
  signedName: form.signedName ?? '',
  ...(form.textSha256 ? { textSha256: form.textSha256 } : {}),
});

/**
 * `/{owner}/{name}/agreement` and its dataset twin: the current text, and signing it with the
 * same use case as the API. Mounted after the repository pages.
 */
export function agreementPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['/datasets', 'dataset'], ['', 'model']] as const) {
    const path = `${prefix}/:namespace/:name/agreement`;

    async function page(c: AppContext, repo: RepositoryRow, state: FormState = {}) {
      const actor = c.get('actor');
      const { agreement, version, signature } = await readRepositoryAgreementFor(deps, repo, actor.kind === 'user' ? actor.user.id : null);
      const view = { title: agreement.title, version: version.version, textSha256: version.textSha256, html: renderMarkdown(version.text), publishedAt: version.createdAt, signedAt: signature?.signedAt ?? null };
      return sendPage(c, <AgreementPage actor={actor} repo={repo} agreement={view} state={state} />, state.error?.status ?? 200);
    }

    app.get(path, async (c) => {
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', pageRepoRef(c, type));
      return page(c, repo);
    });

    app.post(path, async (c) => {
      const ref = pageRepoRef(c, type);
      if (c.get('actor').kind === 'anonymous') return c.redirect(loginPath(`${repoPagePath(ref)}/agreement`), 303);
      const form = await formFields(c);
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', ref);
      const user = signer(c.get('actor'), true);
      const { agreement } = await readRepositoryAgreementFor(deps, repo, null);
      try {
        await signAgreement(deps, user, agreement.id, signInputOf(form), auditContextOf(c));
      } catch (error) {
        if (!isFormError(error) || [401, 403, 404].includes(error.status)) throw error;
        return page(c, repo, { values: { signedName: form.signedName ?? '' }, error });
      }
      return c.redirect(repoPagePath(repo), 303);
    });
  }
  return app;
}
