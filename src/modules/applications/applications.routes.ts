import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { AppError, notFound, unauthenticated } from '../../lib/errors.ts';
import { nextPageUrl } from '../../lib/next-page.ts';
import { parseInput } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import type { Actor } from '../access/actor.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import type { ApplicationPolicyAction } from './applications.policies.ts';
import { presentApplication, presentReview } from './applications.presenters.ts';
import { listEvents } from './applications.repository.ts';
import { queuePageSchema } from './applications.schemas.ts';
import { addComment, castVote, declareConflict, loadApplicationRepo, loadQueue, loadReview, loadReviewFacts, recusedError } from './applications.review.usecases.ts';
import { renewAccess } from './applications.renewal.usecases.ts';
import { saveDraft, submitDraft } from './applications.draft.usecases.ts';
import { liftReapplicationBlock, loadMyGrants, presentMyGrants } from './grants.usecases.ts';
import { applyForAccess, editApplication, loadApplication, loadMyApplications, resubmitApplication, withdrawApplication } from './applications.usecases.ts';

type UserActor = Actor & { kind: 'user' };

const repoRef = (c: AppContext, type: RepoType) => ({ type, namespace: c.req.param('namespace') ?? '', name: c.req.param('name') ?? '' });

/** Asks the policy; a refusal becomes the error that says why and what to do instead. */
export function ensureApplicationAllowed(actor: Actor, action: ApplicationPolicyAction): UserActor {
  const decision = authorize(actor, action);
  if (decision.allowed && actor.kind === 'user') return actor;
  const reason = decision.allowed ? 'sign-in-required' : decision.reason;
  switch (reason) {
    case 'sign-in-required': throw unauthenticated('Sign in, or pass a token, to use access applications.');
    case 'user-blocked': throw new AppError('user_blocked', 403, 'Your account is blocked. Contact the platform administrators.');
    case 'insufficient-scope': throw new AppError('insufficient_scope', 403, 'This token is read-only. Use a write token or the browser.');
    case 'not-found': throw notFound('application_not_found', 'No such access application. List yours with GET /api/me/access-requests.');
    default: {
      if (!('review' in action) || actor.kind !== 'user') throw new AppError('forbidden', 403, 'You cannot do this with this application.');
      if (actor.user.id === action.review.applicantId) throw new AppError('own_application', 403, 'Nobody reviews their own application: you cannot vote, comment or declare a conflict on it.');
      if (action.review.recused) throw recusedError();
      throw new AppError('not_a_reviewer', 403, action.review.rule === 'committee'
        ? 'Only members of this repository\'s review committee vote on its applications.'
        : 'Only the repository\'s publishers and review committee decide its applications.');
    }
  }
}

export function applicationRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    app.post(`/api/${prefix}/:namespace/:name/access-requests`, async (c) => {
      const body = await c.req.json().catch(() => ({}));
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.request-access', repoRef(c, type));
      const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.queue' });
      // `null` is valid JSON: only an object can ask for a draft (applyForAccess names the body otherwise).
      if (typeof body === 'object' && body !== null && (body as { draft?: unknown }).draft === true) {
        const draft = await saveDraft(deps, actor, repo, body, auditContextOf(c));
        return c.json(presentApplication(draft, repo, (await listEvents(deps.db, [draft.id])).map((e) => e.event)), 201);
      }
      const { application, created } = await applyForAccess(deps, actor, repo, body, auditContextOf(c));
      const events = (await listEvents(deps.db, [application.id])).map((e) => e.event);
      return c.json(presentApplication(application, repo, events), created ? 201 : 200);
    });
  }

  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    app.post(`/api/${prefix}/:namespace/:name/renewals`, async (c) => {
      const body = await c.req.json().catch(() => ({}));
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.request-access', repoRef(c, type));
      const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.queue' });
      const application = await renewAccess(deps, actor, repo, body, auditContextOf(c));
      const events = (await listEvents(deps.db, [application.id])).map((e) => e.event);
      return c.json({ ...presentApplication(application, repo, events), renewal: true }, 201);
    });

    app.delete(`/api/${prefix}/:namespace/:name/reapplication-blocks/:username`, async (c) => {
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.manage-access', repoRef(c, type));
      const user = await liftReapplicationBlock(deps, c.get('actor'), repo, c.req.param('username'), auditContextOf(c));
      return c.json({ username: user.username, blocked: false });
    });
  }

  app.get('/api/me/grants', async (c) => {
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.queue' });
    return c.json(presentMyGrants(await loadMyGrants(deps, actor.user.id), deps.clock.now()));
  });

  app.get('/api/me/access-requests', async (c) => {
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.queue' });
    const rows = await loadMyApplications(deps, actor.user.id);
    return c.json(rows.map((row) => presentApplication(row.application, row.repo, row.events)));
  });

  app.get('/api/review/queue', async (c) => {
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.queue' });
    const page = parseInput(queuePageSchema, c.req.query());
    const { items, next } = await loadQueue(deps, actor, page);
    if (next) c.header('Link', `<${nextPageUrl(c.req.url, deps.config.baseUrl, { after: next, limit: String(page.limit) })}>; rel="next"`);
    return c.json(items.map(({ application, repo, applicant, recused, voted }) => ({
      id: application.id, repository: { type: repo.type, id: `${repo.namespace}/${repo.name}` },
      applicant: { username: applicant.username, displayName: applicant.displayName },
      purpose: application.purpose, round: application.round, submittedAt: application.submittedAt?.toISOString() ?? null, recused, voted,
    })));
  });

  /** Loads the application the path names and the facts the policy needs about the caller. */
  const load = async (c: AppContext) => {
    if (c.get('actor').kind === 'anonymous') throw unauthenticated('Sign in, or pass a token, to use access applications.');
    const application = await loadApplication(deps, c.req.param('id') ?? '');
    const repo = await loadApplicationRepo(deps, application);
    const review = await loadReviewFacts(deps.db, c.get('actor'), application, repo);
    return { application, repo, review };
  };

  app.get('/api/access-requests/:id', async (c) => {
    const { application, repo, review } = await load(c);
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.read', review });
    if (actor.user.id === application.userId) return c.json(presentApplication(application, repo, (await listEvents(deps.db, [application.id])).map((e) => e.event)));
    ensureApplicationAllowed(actor, { type: 'application.inspect', review });
    return c.json(presentReview(application, repo, await loadReview(deps, application, repo), actor.user.id));
  });

  const own = (path: string, method: 'post' | 'put', act: (actor: UserActor, loaded: Awaited<ReturnType<typeof load>>, body: unknown, c: AppContext) => Promise<unknown>) => {
    app[method](`/api/access-requests/:id${path}`, async (c) => {
      const body = method === 'put' ? await c.req.json() : await c.req.json().catch(() => ({}));
      const loaded = await load(c);
      const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.act-own', applicantId: loaded.application.userId });
      await act(actor, loaded, body, c);
      const fresh = await loadApplication(deps, loaded.application.id);
      return c.json(presentApplication(fresh, loaded.repo, (await listEvents(deps.db, [fresh.id])).map((e) => e.event)));
    });
  };
  own('', 'put', (actor, { application }, body, c) => editApplication(deps, actor, application.id, body, auditContextOf(c)));
  // A draft is submitted with its signature and every check of a first application; a returned one is resubmitted.
  own('/submit', 'post', (actor, { application, repo }, body, c) => application.status === 'draft'
    ? submitDraft(deps, actor, repo, application.id, body, auditContextOf(c))
    : resubmitApplication(deps, actor, repo, application.id, auditContextOf(c)));
  own('/withdraw', 'post', (actor, { application }, _body, c) => withdrawApplication(deps, actor, application.id, auditContextOf(c)));

  app.post('/api/access-requests/:id/votes', async (c) => {
    const body = await c.req.json();
    const { application, repo, review } = await load(c);
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.vote', review });
    const saved = await castVote(deps, actor, application, repo, body, auditContextOf(c));
    return c.json(presentReview(saved, repo, await loadReview(deps, saved, repo), actor.user.id), 201);
  });

  app.post('/api/access-requests/:id/conflicts', async (c) => {
    const body = await c.req.json();
    const { application, repo, review } = await load(c);
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.declare-conflict', review });
    await declareConflict(deps, actor, application, repo, body, auditContextOf(c));
    const fresh = await loadApplication(deps, application.id);
    return c.json(presentReview(fresh, repo, await loadReview(deps, fresh, repo), actor.user.id), 201);
  });

  app.post('/api/access-requests/:id/comments', async (c) => {
    const body = await c.req.json();
    const { application, review } = await load(c);
    const actor = ensureApplicationAllowed(c.get('actor'), { type: 'application.comment', review });
    const comment = await addComment(deps, actor, application, body, auditContextOf(c));
    return c.json({ id: comment.id, author: actor.user.username, text: comment.text, at: comment.createdAt.toISOString() }, 201);
  });

  return app;
}
