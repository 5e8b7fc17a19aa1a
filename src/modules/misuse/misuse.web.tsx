import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { AppError } from '../../lib/errors.ts';
import { listAppeals } from '../discussions/discussions.repository.ts';
import { threadPath } from '../discussions/discussions.usecases.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { FormState } from '../web/form.tsx';
import { formFields, isFormError, loginPath, pageRepoRef, sendPage } from '../web/web.support.ts';
import { evidenceLines } from './misuse.models.ts';
import { MyReportsPage, QueuePage, ReportFiledPage, ReportFormPage, ReportStatusPage, TriagePage } from './misuse.pages.tsx';
import { presentForModerator, presentForReporter, presentQueueItem } from './misuse.presenters.ts';
import { limitAnonymousReport } from './misuse.rate-limit.ts';
import { ensureMisuseAllowed, fileReport, inspectReport, listMyReports, loadMyReport, loadQueue, loadReportByToken, statusPath, triageReport } from './misuse.usecases.ts';

const stayOnForm = (error: unknown): error is AppError => isFormError(error) && ![401, 403, 404].includes(error.status);
const NO_STORE = { 'Cache-Control': 'no-store' };

/** An error on one evidence line (`evidenceLinks.2`) is shown beside the whole box, naming the line. */
function onEvidenceBox(error: AppError): AppError {
  const match = /^evidenceLinks\.(\d+)$/.exec(error.field ?? '');
  if (!match) return error;
  return new AppError(error.code, error.status, `evidenceLinks: line ${Number(match[1]) + 1} ${error.message.replace(/^[^:]+: /, '')}`, { field: 'evidenceLinks' });
}

/** `/{owner}/{name}/report` and its dataset twin; mounted after the repository pages. */
export function misuseRepoPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['/datasets', 'dataset'], ['', 'model']] as const) {
    const path = `${prefix}/:namespace/:name/report`;
    const load = (c: AppContext) => loadRepositoryFor(deps, c.get('actor'), 'repo.view', pageRepoRef(c, type));
    app.get(path, async (c) => {
      const { repo } = await load(c);
      return sendPage(c, <ReportFormPage actor={c.get('actor')} repo={repo} state={{}} />);
    });
    app.post(path, async (c) => {
      const form = await formFields(c);
      const { repo } = await load(c);
      const actor = c.get('actor');
      const input = { repo: `${repo.namespace}/${repo.name}`, repoType: repo.type, category: form.category, description: form.description, evidenceLinks: evidenceLines(form.evidenceLinks ?? ''), email: form.email || undefined };
      try {
        if (actor.kind === 'anonymous') limitAnonymousReport(deps, c.get('clientIp'));
        const { report, statusToken } = await fileReport(deps, actor, input, auditContextOf(c));
        if (statusToken) return sendPage(c, <ReportFiledPage actor={actor} statusUrl={`${deps.config.baseUrl}${statusPath(statusToken)}`} />, 201, NO_STORE);
        return c.redirect(`/settings/reports/${report.id}`, 303);
      } catch (error) {
        if (!stayOnForm(error)) throw error;
        const shown = onEvidenceBox(error);
        return sendPage(c, <ReportFormPage actor={actor} repo={repo} state={{ values: form, error: shown }} />, shown.status, shown.headers);
      }
    });
  }
  return app;
}

/** The reporter's and the moderators' pages at fixed paths; mounted before the repository pages. */
export function misusePageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const signedIn = (c: AppContext) => c.get('actor').kind === 'user';

  // The link is a credential: never cached, and its page says nothing about who reported.
  app.get('/misuse/status/:token', async (c) => sendPage(c, <ReportStatusPage actor={c.get('actor')} view={presentForReporter(await loadReportByToken(deps, c.req.param('token')))} />, 200, NO_STORE));

  app.get('/settings/reports', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath('/settings/reports'), 303);
    return sendPage(c, <MyReportsPage actor={c.get('actor')} items={(await listMyReports(deps, c.get('actor'))).map(presentQueueItem)} />);
  });
  app.get('/settings/reports/:id', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath(`/settings/reports/${c.req.param('id')}`), 303);
    return sendPage(c, <ReportStatusPage actor={c.get('actor')} view={presentForReporter(await loadMyReport(deps, c.get('actor'), c.req.param('id')))} />);
  });

  app.get('/moderation/reports', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath('/moderation/reports'), 303);
    const closed = c.req.query('closed') === '1';
    const items = (await loadQueue(deps, c.get('actor'), closed)).map(presentQueueItem);
    // The appeals of blocked repositories wait here too: they are the moderators' side of a takedown.
    const appeals = (await listAppeals(deps.db)).map(({ thread, repo }) => ({ href: threadPath(repo, thread.id), repo: `${repo.namespace}/${repo.name}`, title: thread.title, lastActivityAt: thread.lastActivityAt, blocked: repo.blockedAt !== null }));
    return sendPage(c, <QueuePage actor={c.get('actor')} items={items} closed={closed} appeals={appeals} />);
  });

  const triagePage = async (c: AppContext, state: FormState = {}, notice?: string) =>
    sendPage(c, <TriagePage actor={c.get('actor')} view={presentForModerator(await inspectReport(deps, c.get('actor'), c.req.param('id') ?? ''))} state={state} notice={notice} />, state.error?.status ?? 200);

  app.get('/moderation/reports/:id', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath(`/moderation/reports/${c.req.param('id')}`), 303);
    return triagePage(c, {}, c.req.query('done') ? `Recorded: ${c.req.query('done')}.` : undefined);
  });
  app.post('/moderation/reports/:id/actions', async (c) => {
    const id = c.req.param('id');
    if (!signedIn(c)) return c.redirect(loginPath(`/moderation/reports/${id}`), 303);
    ensureMisuseAllowed(c.get('actor'), { type: 'misuse.triage' });
    const form = await formFields(c);
    const input = Object.fromEntries(Object.entries(form).filter(([, v]) => v !== ''));
    try {
      await triageReport(deps, c.get('actor'), id, input, auditContextOf(c));
    } catch (error) {
      if (!stayOnForm(error)) throw error;
      return triagePage(c, { values: form, error });
    }
    return c.redirect(`/moderation/reports/${id}?done=${encodeURIComponent(form.action ?? '')}`, 303);
  });
  return app;
}

