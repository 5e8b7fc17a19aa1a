import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { AppError } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { actorTokenId } from '../access/actor.ts';
import type { FormState } from '../web/form.tsx';
import { formFields, isFormError, loginPath, sendPage } from '../web/web.support.ts';
import { CredentialPage, ProfilePage, ReferenceDonePage, ReferencePage } from './credentials.pages.tsx';
import { presentMyCredential, presentProfile, presentQueueItem, presentReview } from './credentials.presenters.ts';
import { answerReference, loadReferenceRequest, referenceLinkError } from './credentials.reference.usecases.ts';
import { loadApplication, loadQueue, loadReview, reviewApplication } from './credentials.review.usecases.ts';
import { ensureAllowed, STAFF_STEPS, staffPolicyAction } from './credentials.routes.ts';
import { referenceResponseSchema } from './credentials.schemas.ts';
import { QueuePage, ReviewPage } from './credentials.staff.pages.tsx';
import { loadMyCredential, loadMyProfile, saveMyApplication, saveMyProfile, submitMyApplication } from './credentials.usecases.ts';

/**
 * The reference's page carries a one-time token in its address: keep it out of caches. (The site's
 * Referrer-Policy, same-origin, already keeps it from other sites; our own logs redact it.)
 */
const SECRET_PAGE = { 'Cache-Control': 'no-store' };

const asStrings = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v == null ? '' : String(v)]));

/** Server-rendered credential pages. Forms post back here and work without scripts. */
export function credentialPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const now = () => deps.clock.now();

  /** Pages that need an account send an anonymous visitor to sign in first. */
  const signedIn = (c: AppContext) => (c.get('actor').kind === 'user' ? c.get('actor') : null);

  async function profilePage(c: AppContext, state?: FormState, notice?: string) {
    const actor = ensureAllowed(c.get('actor'), { type: 'credential.read-own' });
    const profile = presentProfile(await loadMyProfile(deps, actor.user.id));
    return sendPage(c, <ProfilePage actor={actor} profile={profile} state={state ?? { values: asStrings(profile) }} notice={notice} />, state?.error?.status ?? 200);
  }

  app.get('/settings/profile', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath('/settings/profile'), 303);
    return profilePage(c, undefined, c.req.query('saved') ? 'Profile saved.' : undefined);
  });
  app.post('/settings/profile', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath('/settings/profile'), 303);
    const form = await formFields(c);
    const actor = ensureAllowed(c.get('actor'), { type: 'credential.apply' });
    try {
      await saveMyProfile(deps, actor.user, actorTokenId(actor), form, auditContextOf(c));
    } catch (error) {
      if (!isFormError(error)) throw error;
      return profilePage(c, { values: form, error });
    }
    return c.redirect('/settings/profile?saved=1', 303);
  });

  async function credentialPage(c: AppContext, state?: FormState, notice?: string) {
    const actor = ensureAllowed(c.get('actor'), { type: 'credential.read-own' });
    const view = presentMyCredential(await loadMyCredential(deps, actor.user.id), now(), deps.config.credentialSummaryMin);
    const app = view.application;
    const values: Record<string, string> = app && app.editable ? { researchSummary: app.researchSummary ?? '', 'reference.name': app.reference.name ?? '', 'reference.email': app.reference.email ?? '', 'reference.relationship': app.reference.relationship ?? '' } : {};
    return sendPage(c, <CredentialPage actor={actor} view={view} state={state ?? { values }} notice={notice} />, state?.error?.status ?? 200);
  }

  const NOTICES: Record<string, string> = { saved: 'Draft saved.', submitted: 'Submitted. Your reference has been mailed; you can follow each stage here.' };
  app.get('/settings/credential', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath('/settings/credential'), 303);
    return credentialPage(c, undefined, NOTICES[c.req.query('done') ?? '']);
  });
  app.post('/settings/credential', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath('/settings/credential'), 303);
    const form = await formFields(c);
    const actor = ensureAllowed(c.get('actor'), { type: 'credential.apply' });
    const input = { researchSummary: form.researchSummary, reference: { name: form['reference.name'], email: form['reference.email'], relationship: form['reference.relationship'] } };
    try {
      await saveMyApplication(deps, actor.user, actorTokenId(actor), input, auditContextOf(c));
      if (form.intent === 'submit') await submitMyApplication(deps, actor.user, actorTokenId(actor), auditContextOf(c));
    } catch (error) {
      if (!isFormError(error)) throw error;
      return credentialPage(c, { values: form, error });
    }
    return c.redirect(`/settings/credential?done=${form.intent === 'submit' ? 'submitted' : 'saved'}`, 303);
  });

  app.get('/staff/credentials', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath('/staff/credentials'), 303);
    const actor = ensureAllowed(c.get('actor'), { type: 'credential.queue' });
    return sendPage(c, <QueuePage actor={actor} items={(await loadQueue(deps)).map((row) => presentQueueItem(row, now()))} />);
  });

  async function reviewPage(c: AppContext, id: string, state: FormState = {}, notice?: string) {
    const application = await loadApplication(deps, id);
    const actor = ensureAllowed(c.get('actor'), { type: 'credential.inspect', applicantId: application.userId });
    const review = presentReview(await loadReview(deps, application), now());
    return sendPage(c, <ReviewPage actor={actor} review={review} state={state} notice={notice} />, state.error?.status ?? 200);
  }

  app.get('/staff/credentials/:id', async (c) => {
    if (!signedIn(c)) return c.redirect(loginPath(`/staff/credentials/${c.req.param('id')}`), 303);
    const done = STAFF_STEPS.find((s) => s.path === c.req.query('done'));
    return reviewPage(c, c.req.param('id'), {}, done ? `Recorded: ${done.path.replace('-', ' ')}.` : undefined);
  });
  for (const step of STAFF_STEPS) {
    app.post(`/staff/credentials/:id/${step.path}`, async (c) => {
      const id = c.req.param('id');
      if (!signedIn(c)) return c.redirect(loginPath(`/staff/credentials/${id}`), 303);
      const form = await formFields(c);
      try {
        const data = parseInput(step.schema, form);
        const application = await loadApplication(deps, id);
        const actor = ensureAllowed(c.get('actor'), staffPolicyAction(step.action, application.userId));
        await reviewApplication(deps, actor, application.id, step.action, data, auditContextOf(c));
      } catch (error) {
        // Refusals of the policy (401/403) and unknown ids get the error page; mistakes stay on the form.
        if (!isFormError(error) || error.status === 401 || error.status === 403 || error.status === 404) throw error;
        return reviewPage(c, id, { values: { ...form, step: step.path }, error });
      }
      return c.redirect(`/staff/credentials/${id}?done=${step.path}`, 303);
    });
  }

  // The reference has no account: holding the link is what lets them answer, once.
  app.get('/references/:token', async (c) => {
    const token = c.req.param('token');
    const { request, application, state } = await loadReferenceRequest(deps, token);
    if (state !== 'open') throw withHeaders(referenceLinkError(state));
    const s = application.profileSnapshot;
    const applicant = { fullName: s?.fullName ?? null, institution: s?.institution ?? null, jobTitle: s?.jobTitle ?? null };
    return sendPage(c, <ReferencePage actor={c.get('actor')} token={token} applicant={applicant} relationship={request.relationship} researchSummary={application.researchSummary} expiresAt={request.expiresAt} state={{}} />, 200, SECRET_PAGE);
  });
  app.post('/references/:token', async (c) => {
    const token = c.req.param('token');
    const form = await formFields(c);
    try {
      const { request } = await answerReference(deps, token, parseInput(referenceResponseSchema, form), auditContextOf(c));
      return sendPage(c, <ReferenceDonePage actor={c.get('actor')} response={request.response!} />, 200, SECRET_PAGE);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'invalid_input') throw error instanceof AppError ? withHeaders(error) : error;
      const { request, application } = await loadReferenceRequest(deps, token);
      const s = application.profileSnapshot;
      const applicant = { fullName: s?.fullName ?? null, institution: s?.institution ?? null, jobTitle: s?.jobTitle ?? null };
      return sendPage(c, <ReferencePage actor={c.get('actor')} token={token} applicant={applicant} relationship={request.relationship} researchSummary={application.researchSummary} expiresAt={request.expiresAt} state={{ values: form, error }} />, 400, SECRET_PAGE);
    }
  });
  return app;
}

/** An error page about a reference link must not be cached or leak the link either. */
function withHeaders(error: AppError) {
  Object.assign(error.headers, SECRET_PAGE);
  return error;
}
