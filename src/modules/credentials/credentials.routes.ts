import { Hono } from 'hono';
import type { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { AppError, unauthenticated } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import { actorTokenId, type Actor } from '../access/actor.ts';
import type { CredentialAction } from './credentials.policies.ts';
import { presentMyCredential, presentProfile, presentQueueItem, presentReview } from './credentials.presenters.ts';
import { answerReference, loadReferenceRequest, referenceLinkError } from './credentials.reference.usecases.ts';
import { loadApplication, loadQueue, loadReview, reviewApplication, type StaffAction } from './credentials.review.usecases.ts';
import { approveSchema, identityCheckSchema, referenceResponseSchema, rejectSchema, returnSchema, revokeSchema } from './credentials.schemas.ts';
import { loadMyCredential, loadMyProfile, saveMyApplication, saveMyProfile, submitMyApplication } from './credentials.usecases.ts';

type UserActor = Actor & { kind: 'user' };

/** The signed-in caller, or 401. */
export function requireUser(actor: Actor): UserActor {
  if (actor.kind === 'anonymous') throw unauthenticated('Sign in, or pass a token, to use researcher credentials.');
  return actor;
}

/** Asks the policy; a refusal becomes the error that tells the caller what to do instead. */
export function ensureAllowed(actor: Actor, action: CredentialAction): UserActor {
  const decision = authorize(actor, action);
  if (decision.allowed) return requireUser(actor);
  switch (decision.reason) {
    case 'sign-in-required': throw unauthenticated('Sign in, or pass a token, to use researcher credentials.');
    case 'user-blocked': throw new AppError('user_blocked', 403, 'Your account is blocked. Contact the platform administrators.');
    case 'insufficient-scope': throw new AppError('insufficient_scope', 403, 'This token is read-only. Use a write token or the browser.');
    default:
      throw new AppError('forbidden', 403, action.type === 'credential.apply' || action.type === 'credential.read-own'
        ? 'You cannot change this credential application.'
        : 'Only credentialing staff review credential applications, and nobody reviews their own.');
  }
}

/** A JSON body that may be left out entirely (optional comments); malformed JSON is still a 400. */
export async function optionalJson(c: AppContext): Promise<unknown> {
  const text = await c.req.text();
  return text.trim() ? JSON.parse(text) : {};
}

export const STAFF_STEPS: readonly { path: string; action: StaffAction; schema: z.ZodType<{ note?: string | null; comment?: string | null; reason?: string | null }> }[] = [
  { path: 'identity-check', action: 'check-identity', schema: identityCheckSchema },
  { path: 'return', action: 'return', schema: returnSchema },
  { path: 'approve', action: 'approve', schema: approveSchema },
  { path: 'reject', action: 'reject', schema: rejectSchema },
  { path: 'revoke', action: 'revoke', schema: revokeSchema },
];

export const staffPolicyAction = (action: StaffAction, applicantId: string): CredentialAction =>
  ({ type: action === 'revoke' ? 'credential.revoke' : 'credential.review', applicantId });

export function credentialRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const now = () => deps.clock.now();
  const min = () => deps.config.credentialSummaryMin;

  app.get('/api/me/profile', async (c) => {
    const user = ensureAllowed(c.get('actor'), { type: 'credential.read-own' }).user;
    return c.json(presentProfile(await loadMyProfile(deps, user.id)));
  });
  app.put('/api/me/profile', async (c) => {
    requireUser(c.get('actor'));
    const body = await c.req.json();
    const actor = ensureAllowed(c.get('actor'), { type: 'credential.apply' });
    return c.json(presentProfile(await saveMyProfile(deps, actor.user, actorTokenId(actor), body, auditContextOf(c))));
  });

  app.get('/api/me/credential', async (c) => {
    const user = ensureAllowed(c.get('actor'), { type: 'credential.read-own' }).user;
    return c.json(presentMyCredential(await loadMyCredential(deps, user.id), now(), min()));
  });
  app.put('/api/me/credential', async (c) => {
    requireUser(c.get('actor'));
    const body = await c.req.json();
    const actor = ensureAllowed(c.get('actor'), { type: 'credential.apply' });
    const { created } = await saveMyApplication(deps, actor.user, actorTokenId(actor), body, auditContextOf(c));
    return c.json(presentMyCredential(await loadMyCredential(deps, actor.user.id), now(), min()), created ? 201 : 200);
  });
  app.post('/api/me/credential/submit', async (c) => {
    const actor = ensureAllowed(c.get('actor'), { type: 'credential.apply' });
    await submitMyApplication(deps, actor.user, actorTokenId(actor), auditContextOf(c));
    return c.json(presentMyCredential(await loadMyCredential(deps, actor.user.id), now(), min()));
  });

  app.get('/api/credentials/queue', async (c) => {
    ensureAllowed(c.get('actor'), { type: 'credential.queue' });
    return c.json((await loadQueue(deps)).map((row) => presentQueueItem(row, now())));
  });
  app.get('/api/credentials/:id', async (c) => {
    requireUser(c.get('actor'));
    const application = await loadApplication(deps, c.req.param('id'));
    ensureAllowed(c.get('actor'), { type: 'credential.inspect', applicantId: application.userId });
    return c.json(presentReview(await loadReview(deps, application), now()));
  });
  for (const step of STAFF_STEPS) {
    app.post(`/api/credentials/:id/${step.path}`, async (c) => {
      requireUser(c.get('actor'));
      const data = parseInput(step.schema, await optionalJson(c));
      const application = await loadApplication(deps, c.req.param('id'));
      const actor = ensureAllowed(c.get('actor'), staffPolicyAction(step.action, application.userId));
      const saved = await reviewApplication(deps, actor, application.id, step.action, data, auditContextOf(c));
      return c.json(presentReview(await loadReview(deps, saved), now()));
    });
  }

  // The reference has no account: the link's token is what lets them answer.
  app.get('/api/references/:token', async (c) => {
    const { request, application, state } = await loadReferenceRequest(deps, c.req.param('token'));
    if (state !== 'open') throw referenceLinkError(state);
    const s = application.profileSnapshot;
    return c.json({
      expiresAt: request.expiresAt.toISOString(), relationship: request.relationship,
      applicant: { fullName: s?.fullName ?? null, institution: s?.institution ?? null, jobTitle: s?.jobTitle ?? null }, researchSummary: application.researchSummary,
    }, 200, { 'Cache-Control': 'no-store' });
  });
  app.post('/api/references/:token', async (c) => {
    const data = parseInput(referenceResponseSchema, await c.req.json());
    const { request } = await answerReference(deps, c.req.param('token'), data, auditContextOf(c));
    return c.json({ response: request.response, respondedAt: request.respondedAt?.toISOString() ?? null });
  });
  return app;
}
