import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import type { AppError } from '../../lib/errors.ts';
import { authorize } from '../access/access.policies.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import type { FormState } from '../web/form.tsx';
import { formFields, isFormError, loginPath, pageRepoRef, repoPagePath, sendPage } from '../web/web.support.ts';
import { AppealPage, ThreadListPage, ThreadPage } from './discussions.pages.tsx';
import { addComment, appealBlock, discussionFacts, hideThreadComment, listRepoThreads, loadThread, openThread, setLock, threadPath } from './discussions.usecases.ts';

/** A mistake the visitor can fix on the form; refusals and missing things get the error page. */
const stayOnForm = (error: unknown): error is AppError => isFormError(error) && ![401, 403, 404].includes(error.status);

/**
 * Discussion pages under `/{owner}/{name}/discussions` and `/datasets/{owner}/{name}/discussions`.
 * Mounted after the repository pages; dataset routes first, so `/datasets/…` is never read as a
 * model owned by "datasets".
 */
export function discussionPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['/datasets', 'dataset'], ['', 'model']] as const) {
    const base = `${prefix}/:namespace/:name`;
    const load = async (c: AppContext) => {
      const { repo, facts } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', pageRepoRef(c, type as RepoType));
      return { actor: c.get('actor'), repo, facts: discussionFacts(repo, facts) };
    };

    const listPage = async (c: AppContext, state: FormState = {}) => {
      const { actor, repo, facts } = await load(c);
      const threads = await listRepoThreads(deps, actor, repo, facts);
      return sendPage(c, <ThreadListPage actor={actor} repo={repo} threads={threads} state={state} />, state.error?.status ?? 200);
    };
    const threadPage = async (c: AppContext, state: FormState = {}) => {
      const { actor, repo, facts } = await load(c);
      const view = await loadThread(deps, actor, repo, facts, c.req.param('id') ?? '');
      const locked = view.thread.lockedAt !== null;
      const canModerate = authorize(actor, { type: 'discussion.moderate', facts }).allowed;
      const canComment = authorize(actor, view.thread.kind === 'appeal' ? { type: 'discussion.appeal', facts, locked } : { type: 'discussion.post', facts, locked }).allowed;
      return sendPage(c, <ThreadPage actor={actor} repo={repo} view={view} canModerate={canModerate} canComment={canComment} state={state} />, state.error?.status ?? 200);
    };
    const signInFirst = (c: AppContext) => (c.get('actor').kind === 'anonymous' ? c.redirect(loginPath(new URL(c.req.url).pathname), 303) : null);

    app.get(`${base}/discussions`, (c) => listPage(c));
    app.post(`${base}/discussions`, async (c) => {
      const redirect = signInFirst(c);
      if (redirect) return redirect;
      const form = await formFields(c);
      const { actor, repo, facts } = await load(c);
      try {
        const thread = await openThread(deps, actor, repo, facts, form, auditContextOf(c));
        return c.redirect(threadPath(repo, thread.id), 303);
      } catch (error) {
        if (!stayOnForm(error)) throw error;
        return listPage(c, { values: form, error });
      }
    });
    app.get(`${base}/discussions/:id`, (c) => threadPage(c));

    /** A step on a thread: the use case, then back to the thread (or the thread with the error). */
    const threadStep = (path: string, run: (c: AppContext, ctx: Awaited<ReturnType<typeof load>>, form: Record<string, string>) => Promise<unknown>) =>
      app.post(`${base}/discussions/:id/${path}`, async (c) => {
        const redirect = signInFirst(c);
        if (redirect) return redirect;
        const form = await formFields(c);
        const ctx = await load(c);
        try {
          await run(c, ctx, form);
        } catch (error) {
          if (!stayOnForm(error)) throw error;
          return threadPage(c, { values: form, error });
        }
        return c.redirect(threadPath(ctx.repo, c.req.param('id') ?? ''), 303);
      });
    threadStep('comments', (c, { actor, repo, facts }, form) => addComment(deps, actor, repo, facts, c.req.param('id') ?? '', form, auditContextOf(c)));
    threadStep('comments/:commentId/hide', (c, { actor, repo, facts }, form) => hideThreadComment(deps, actor, repo, facts, c.req.param('id') ?? '', c.req.param('commentId') ?? '', form, auditContextOf(c)));
    threadStep('lock', (c, { actor, repo, facts }, form) => setLock(deps, actor, repo, facts, c.req.param('id') ?? '', true, form, auditContextOf(c)));
    threadStep('unlock', (c, { actor, repo, facts }, form) => setLock(deps, actor, repo, facts, c.req.param('id') ?? '', false, form, auditContextOf(c)));

    app.get(`${base}/appeal`, async (c) => {
      const redirect = signInFirst(c);
      if (redirect) return redirect;
      const { actor, repo, facts } = await load(c);
      if (!authorize(actor, { type: 'discussion.read-appeal', facts }).allowed) return c.redirect(repoPagePath(repo), 303);
      return sendPage(c, <AppealPage actor={actor} repo={repo} state={{}} />);
    });
    app.post(`${base}/appeal`, async (c) => {
      const redirect = signInFirst(c);
      if (redirect) return redirect;
      const form = await formFields(c);
      const { actor, repo, facts } = await load(c);
      try {
        const thread = await appealBlock(deps, actor, repo, facts, form, auditContextOf(c));
        return c.redirect(threadPath(repo, thread.id), 303);
      } catch (error) {
        if (!stayOnForm(error)) throw error;
        return sendPage(c, <AppealPage actor={actor} repo={repo} state={{ values: form, error }} />, error.status);
      }
    });
  }
  return app;
}
