import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { AppError } from '../../lib/errors.ts';
import { formBody, parseInput } from '../../lib/validation.ts';
import { QUEUE_PAGE, queuePageSchema } from './applications.schemas.ts';
import { renderMarkdown } from '../../lib/markdown.ts';
import { findAgreementOfRepository, findCurrentVersion, findSignature } from '../agreements/agreements.repository.ts';
import { listMySignatures } from '../agreements/agreements.usecases.ts';
import { conditionsFor } from '../conditions/conditions.usecases.ts';
import { conditionLines } from '../conditions/conditions.models.ts';
import { conditionPageRoutes } from '../conditions/conditions.web.tsx';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { FormState } from '../web/form.tsx';
import { isFormError, loginPath, pageRepoRef, repoPagePath, sendPage } from '../web/web.support.ts';
import type { FormField } from './application-form.models.ts';
import { ApplyPage, MyAccessPage, MySignaturesPage, type AgreementView } from './applications.pages.tsx';
import { presentApplication, presentReview } from './applications.presenters.ts';
import { applicationSettingsPageRoutes } from './applications.settings.web.tsx';
import { ReviewPage, ReviewQueuePage } from './applications.review.pages.tsx';
import { ensureApplicationAllowed } from './applications.routes.ts';
import { renewAccess } from './applications.renewal.usecases.ts';
import { addComment, castVote, declareConflict, loadApplicationRepo, loadQueue, loadReview, loadReviewFacts } from './applications.review.usecases.ts';
import { applyForAccess, editApplication, loadApplication, loadForm, loadMyApplications, loadPolicy, resubmitApplication, withdrawApplication } from './applications.usecases.ts';
import { findNewestGrant } from './grants.repository.ts';
import { findOpenApplication } from './applications.repository.ts';
import { saveDraft, submitDraft } from './applications.draft.usecases.ts';
import { loadMyGrants, presentMyGrants } from './grants.usecases.ts';

/** Posted forms, with repeated names (multi-select) kept as lists. */
export async function postedForm(c: AppContext): Promise<Record<string, string | string[]>> {
  const body = await formBody(c, { all: true });
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value)) out[key] = value.filter((v): v is string => typeof v === 'string');
  }
  return out;
}

/** What the visitor typed, to show again after an error (lists as lines). */
export const echo = (form: Record<string, string | string[]>) => Object.fromEntries(Object.entries(form).map(([k, v]) => [k, Array.isArray(v) ? v.join('\n') : v]));

/** Moves an error blamed on a list item (`conditions.2`, `formFields.0.name`) onto the field the page shows. */
export function blame(error: AppError, rename: (field: string) => string): AppError {
  if (!error.field) return error;
  const field = rename(error.field);
  return field === error.field ? error : new AppError(error.code, error.status, error.message.replace(error.field, field), { field, details: error.details });
}

const str = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] ?? '' : v ?? '');

/** The API's input from the wizard's fields: lists for multi-selects, booleans for checkboxes. */
export function applicationInput(form: Record<string, string | string[]>, fields: FormField[], withFields: boolean) {
  const answers: Record<string, unknown> = {};
  if (withFields) for (const f of fields) {
    const raw = form[`fields.${f.name}`];
    if (f.type === 'multi-select') answers[f.name] = Array.isArray(raw) ? raw : raw ? [raw] : [];
    else if (f.type === 'checkbox') answers[f.name] = str(raw) === 'yes';
    else if (str(raw) !== '') answers[f.name] = str(raw);
  }
  const signedName = str(form['agreement.signedName']);
  const agreement = form['agreement.version'] !== undefined ? { version: Number(str(form['agreement.version'])), signedName, ...(str(form['agreement.textSha256']) ? { textSha256: str(form['agreement.textSha256']) } : {}) } : undefined;
  return { purpose: str(form.purpose), fields: answers, ...(agreement ? { agreement } : {}) };
}

/** A draft's answers as the wizard's field values. */
function draftValues(purpose: string | null, fields: Record<string, unknown>) {
  const values: Record<string, string> = { purpose: purpose ?? '' };
  for (const [k, v] of Object.entries(fields)) values[`fields.${k}`] = Array.isArray(v) ? v.join('\n') : v === true ? 'yes' : v === false ? '' : String(v);
  return values;
}

/** The wizard's and renewal form's refusals stay on the form; only a missing account or repository leaves it. */
const staysOnForm = (error: unknown): error is AppError => isFormError(error) && error.status !== 401 && error.status !== 404;

export function applicationPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const signedIn = (c: AppContext) => c.get('actor').kind === 'user';

  async function applyPage(c: AppContext, repo: RepositoryRow, renew: boolean, state: FormState = {}, notice?: string) {
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.queue' });
    const policy = await loadPolicy(deps.db, repo.id);
    const form = (await loadForm(deps, repo, policy)).fields ?? [];
    const agreementRow = await findAgreementOfRepository(deps.db, repo.id);
    const version = agreementRow ? await findCurrentVersion(deps.db, agreementRow.id) : undefined;
    const agreement: AgreementView | null = agreementRow && version ? {
      title: agreementRow.title, version: version.version, textSha256: version.textSha256, html: renderMarkdown(version.text),
      signed: renew ? Boolean(await findSignature(deps.db, actor.user.id, agreementRow.id, version.version)) : false,
    } : null;
    const grant = renew ? await findNewestGrant(deps.db, repo.id, actor.user.id) : undefined;
    const renewal = grant && !grant.revokedAt && grant.endsAt ? { endsAt: grant.endsAt.toISOString() } : null;
    const conditions = await conditionsFor(deps.db, repo.id, null);
    // A saved draft fills the wizard in again.
    const draft = renew ? undefined : await findOpenApplication(deps.db, repo.id, actor.user.id);
    const saved = draft?.status === 'draft' ? { at: draft.updatedAt, values: draftValues(draft.purpose, draft.fields) } : null;
    const shown: FormState = state.values || state.error ? state : { values: saved?.values ?? {} };
    return sendPage(c, <ApplyPage actor={actor} repo={repo} form={form} minStatement={policy.minStatementLength} agreement={agreement} conditions={conditions} state={shown} renewal={renewal} draftSavedAt={saved?.at ?? null} notice={notice} />, state.error?.status ?? 200);
  }

  for (const [prefix, type] of [['/datasets', 'dataset'], ['', 'model']] as const) {
    app.get(`${prefix}/:namespace/:name/apply`, async (c) => {
      const ref = pageRepoRef(c, type);
      if (!signedIn(c)) return c.redirect(loginPath(`${repoPagePath(ref)}/apply`), 303);
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.request-access', ref);
      return applyPage(c, repo, c.req.query('renew') === '1', {}, c.req.query('saved') ? 'Draft saved. Nothing is submitted or signed until you submit it.' : undefined);
    });
    for (const kind of ['apply', 'renew'] as const) {
      app.post(`${prefix}/:namespace/:name/${kind}`, async (c) => {
        const ref = pageRepoRef(c, type);
        if (!signedIn(c)) return c.redirect(loginPath(`${repoPagePath(ref)}/apply`), 303);
        const form = await postedForm(c);
        const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.request-access', ref);
        const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.queue' });
        try {
          const fields = (await loadForm(deps, repo, await loadPolicy(deps.db, repo.id))).fields ?? [];
          const input = applicationInput(form, fields, kind === 'apply');
          if (kind === 'apply') {
            const draft = await findOpenApplication(deps.db, repo.id, actor.user.id);
            const keep = str(form.intent) === 'draft';
            const answers = { purpose: input.purpose, fields: input.fields };
            if (draft?.status === 'draft') {
              await editApplication(deps, actor, draft.id, answers, auditContextOf(c));
              if (!keep) await submitDraft(deps, actor, repo, draft.id, input.agreement ? { agreement: input.agreement } : {}, auditContextOf(c));
            } else if (keep) await saveDraft(deps, actor, repo, answers, auditContextOf(c));
            else await applyForAccess(deps, actor, repo, input, auditContextOf(c));
            if (keep) return c.redirect(`${repoPagePath(repo)}/apply?saved=1`, 303);
          } else await renewAccess(deps, actor, repo, { ...(input.purpose ? { purpose: input.purpose } : {}), ...(input.agreement ? { agreement: input.agreement } : {}) }, auditContextOf(c));
        } catch (error) {
          if (!staysOnForm(error)) throw error;
          return applyPage(c, repo, kind === 'renew', { values: echo(form), error });
        }
        return c.redirect(`/settings/access?done=${kind}`, 303);
      });
    }
  }

  const NOTICES: Record<string, string> = { apply: 'Your application is recorded. Its state is below.', renew: 'Your renewal is recorded. Its state is below.', withdraw: 'Application withdrawn.', resubmit: 'Submitted again: the reviewers have been told.' };
  async function myAccessPage(c: AppContext, notice?: string, edit?: { id: string; state: FormState }) {
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.queue' });
    const applications = (await loadMyApplications(deps, actor.user.id)).map((r) => presentApplication(r.application, r.repo, r.events));
    const grants = presentMyGrants(await loadMyGrants(deps, actor.user.id), deps.clock.now());
    return sendPage(c, <MyAccessPage actor={actor} applications={applications} grants={grants} notice={notice} edit={edit} />, edit?.state.error?.status ?? 200);
  }
  app.get('/settings/access', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath('/settings/access'), 303);
    return myAccessPage(c, NOTICES[c.req.query('done') ?? '']);
  });
  // A returned application: the changed statement, then the same resubmission as the API's.
  app.post('/settings/access/:id/resubmit', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath('/settings/access'), 303);
    const form = await postedForm(c);
    const application = await loadApplication(deps, c.req.param('id'));
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.act-own', applicantId: application.userId });
    try {
      await editApplication(deps, actor, application.id, { purpose: str(form.purpose) }, auditContextOf(c));
      await resubmitApplication(deps, actor, await loadApplicationRepo(deps, application), application.id, auditContextOf(c));
    } catch (error) {
      if (!staysOnForm(error)) throw error;
      return myAccessPage(c, undefined, { id: application.id, state: { values: echo(form), error } });
    }
    return c.redirect('/settings/access?done=resubmit', 303);
  });
  app.post('/settings/access/:id/withdraw', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath('/settings/access'), 303);
    const application = await loadApplication(deps, c.req.param('id'));
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.act-own', applicantId: application.userId });
    await withdrawApplication(deps, actor, application.id, auditContextOf(c));
    return c.redirect('/settings/access?done=withdraw', 303);
  });

  app.get('/settings/signatures', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath('/settings/signatures'), 303);
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.queue' });
    const rows = await listMySignatures(deps, actor.user.id);
    const signatures = rows.map(({ signature, agreement, repo }) => ({ title: agreement.title, repository: repo?.namespace ? `${repo.namespace}/${repo.name}` : null, version: signature.version, textSha256: signature.textSha256, signedName: signature.signedName, signedAt: signature.signedAt }));
    return sendPage(c, <MySignaturesPage actor={actor} signatures={signatures} />);
  });

  app.get('/review', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath('/review'), 303);
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.queue' });
    const page = parseInput(queuePageSchema, c.req.query());
    const { items, next } = await loadQueue(deps, actor, page);
    const rows = items.map(({ application, repo, applicant, recused, voted }) => ({
      id: application.id, repository: `${repo.namespace}/${repo.name}`, applicant: `${applicant.displayName} (@${applicant.username})`, submittedAt: application.submittedAt?.toISOString() ?? null, recused, voted, purpose: application.purpose,
    }));
    const nextHref = next ? `/review?${new URLSearchParams({ after: next, ...(page.limit !== QUEUE_PAGE ? { limit: String(page.limit) } : {}) }).toString()}` : null;
    return sendPage(c, <ReviewQueuePage actor={actor} rows={rows} nextHref={nextHref} />);
  });

  /** Loads the application and the facts `authorize` needs about the reviewer. */
  async function loadForReview(c: AppContext) {
    const application = await loadApplication(deps, c.req.param('id') ?? '');
    const repo = await loadApplicationRepo(deps, application);
    const review = await loadReviewFacts(deps.db, c.get('actor'), application, repo);
    return { application, repo, review };
  }

  async function reviewPage(c: AppContext, state: FormState = {}, notice?: string) {
    const { application, repo, review } = await loadForReview(c);
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.inspect', review });
    const view = presentReview(application, repo, await loadReview(deps, application, repo), actor.user.id);
    return sendPage(c, <ReviewPage actor={actor} review={view} state={state} notice={notice} />, state.error?.status ?? 200);
  }

  const REVIEW_NOTICES: Record<string, string> = { vote: 'Your vote is recorded.', comment: 'Comment added.', conflict: 'Conflict declared: you are recused.' };
  app.get('/review/:id', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath(`/review/${c.req.param('id')}`), 303);
    return reviewPage(c, {}, REVIEW_NOTICES[c.req.query('done') ?? '']);
  });

  const reviewAction = (path: string, act: (c: AppContext, form: Record<string, string | string[]>, loaded: Awaited<ReturnType<typeof loadForReview>>) => Promise<unknown>) => {
    app.post(`/review/:id/${path}`, async (c) => {
      const id = c.req.param('id');
      if (!signedIn(c)) return c.redirect(loginPath(`/review/${id}`), 303);
      const form = await postedForm(c);
      try {
        await act(c, form, await loadForReview(c));
      } catch (error) {
        if (!isFormError(error) || error.status === 401 || error.status === 403 || error.status === 404) throw error;
        return reviewPage(c, { values: echo(form), error: blame(error, (f) => (f.startsWith('conditions.') ? 'conditions' : f)) });
      }
      return c.redirect(`/review/${id}?done=${path}`, 303);
    });
  };
  reviewAction('vote', async (c, form, { application, repo, review }) => {
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.vote', review });
    await castVote(deps, actor, application, repo, { decision: str(form.decision) || undefined, comment: str(form.comment) || undefined, conditions: conditionLines(str(form.conditions)) }, auditContextOf(c));
  });
  reviewAction('comment', async (c, form, { application, review }) => {
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.comment', review });
    await addComment(deps, actor, application, { text: str(form.text) }, auditContextOf(c));
  });
  reviewAction('conflict', async (c, form, { application, repo, review }) => {
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.declare-conflict', review });
    await declareConflict(deps, actor, application, repo, { reason: str(form.reason) }, auditContextOf(c));
  });

  app.route('/', applicationSettingsPageRoutes(deps));
  app.route('/', conditionPageRoutes(deps));
  return app;
}
