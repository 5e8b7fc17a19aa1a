import type { AppDeps } from '../../app/deps.ts';
import type { Db } from '../../db/client.ts';
import { AppError, badRequest, conflict, notFound } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { findActiveGrant, insertGrant, revokeActiveGrants } from '../access/access.repository.ts';
import { actorTokenId, type Actor, type ActorUser } from '../access/actor.ts';
import type { SignInput } from '../agreements/agreements.schemas.ts';
import { checkSignature, recordSignature } from '../agreements/agreements.usecases.ts';
import { findAgreementOfRepository, findCurrentVersion } from '../agreements/agreements.repository.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { isCountryCode } from '../credentials/credentials.countries.ts';
import { hasActiveCredential } from '../credentials/credentials.usecases.ts';
import { findUnmetTraining } from '../trainings/trainings.usecases.ts';
import { dispatchMail, recordNotices, type PendingMail } from '../notifications/notifications.usecases.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { resolveRevision } from '../repos/repos.usecases.ts';
import { parseHubGatedFields, validateAnswers, type FormField } from './application-form.models.ts';
import { newApplicationNotice } from './applications.mail.ts';
import { transition, type ApplicationAction, type ApplicationStatus, type DecisionRule } from './applications.models.ts';
import {
  findApplication, findOpenApplication, findPolicies, findPolicy, insertApplication, insertEvent, listApplicationsOfUser, listEvents, listPublishers,
  listReviewers, lockApplication, updateApplicationIf, type ApplicationRow,
} from './applications.repository.ts';
import { applySchema, editSchema } from './applications.schemas.ts';
import { findReapplicationBlock } from './grants.repository.ts';
import type { APPLICATION_ACTOR_ROLES } from './applications.tables.ts';

export const repoIdOf = (repo: Pick<RepositoryRow, 'namespace' | 'name'>) => `${repo.namespace}/${repo.name}`;
export const repoApiBase = (baseUrl: string, repo: Pick<RepositoryRow, 'type' | 'namespace' | 'name'>) => `${baseUrl}/api/${repo.type === 'dataset' ? 'datasets' : 'models'}/${repo.namespace}/${repo.name}`;

/** Who acted, for the event row and the audit log. */
export interface ApplicationActor {
  userId: string | null;
  tokenId: string | null;
  role: (typeof APPLICATION_ACTOR_ROLES)[number];
  audit: AuditContext;
}

/** Every transition is one event (the applicant's timeline) and one audit event, in the transaction of the change. */
export async function recordTransition(tx: Db, app: ApplicationRow, actor: ApplicationActor, event: { action: string; from: ApplicationStatus | null; to: ApplicationStatus; comment?: string | null; at: Date; details?: Record<string, unknown> }) {
  await insertEvent(tx, { applicationId: app.id, actorUserId: actor.userId, actorRole: actor.role, action: event.action, fromStatus: event.from, toStatus: event.to, comment: event.comment ?? null, createdAt: event.at });
  await recordAuditEvent(tx, {
    action: `access_request.${event.action}`, actorUserId: actor.userId, actorTokenId: actor.tokenId, repoId: app.repoId, ip: actor.audit.ip,
    details: { applicationId: app.id, applicantId: app.userId, from: event.from, to: event.to, round: app.round, ...event.details },
  });
}

/** A refused lifecycle step as a 409 naming where the application stands. */
export function refusal(status: ApplicationStatus, action: ApplicationAction, role: 'applicant' | 'reviewer' | 'system') {
  const result = transition(status, action, role);
  if (result.ok) return null;
  return conflict('application_transition_refused', `${result.message} It is ${status}.`, 'status');
}

export const stateChanged = () => conflict('application_state_changed', 'The application changed while you were acting on it (someone else acted first). Reload it and try again.');

// ---- Policy

export interface EffectivePolicy {
  requiresCredential: boolean;
  requiredTrainings: string[];
  minStatementLength: number;
  grantDurationDays: number | null;
  decisionRule: DecisionRule;
  formFields: FormField[] | null;
  /** The publisher's conditions. */
  conditions: string[];
}

export async function loadPolicy(db: Db, repoId: string): Promise<EffectivePolicy> {
  return effectivePolicy(await findPolicy(db, repoId));
}

/** `loadPolicy` for many repositories in one query. */
export async function loadPolicies(db: Db, repoIds: string[]): Promise<Map<string, EffectivePolicy>> {
  const rows = new Map((await findPolicies(db, repoIds)).map((row) => [row.repoId, row]));
  return new Map(repoIds.map((id) => [id, effectivePolicy(rows.get(id))]));
}

function effectivePolicy(row: Awaited<ReturnType<typeof findPolicy>>): EffectivePolicy {
  return { requiresCredential: row?.requiresCredential ?? false, requiredTrainings: row?.requiredTrainings ?? [], minStatementLength: row?.minStatementLength ?? 0, grantDurationDays: row?.grantDurationDays ?? null, decisionRule: row?.decisionRule ?? { kind: 'single' }, formFields: row?.formFields ?? null, conditions: row?.conditions ?? [] };
}

/** The application form: the policy's fields, else the card's `extra_gated_fields`; null when neither declares one. */
export async function loadForm(deps: AppDeps, repo: RepositoryRow, policy: EffectivePolicy): Promise<{ fields: FormField[] | null; source: 'policy' | 'card' | 'none' }> {
  if (policy.formFields) return { fields: policy.formFields, source: 'policy' };
  const main = await resolveRevision(deps.db, repo, 'main').catch(() => undefined);
  const declared = main?.cardMetadata?.extra_gated_fields;
  if (declared === undefined || declared === null) return { fields: null, source: 'none' };
  return { fields: parseHubGatedFields(declared).fields, source: 'card' };
}

/** Checks the answers and the statement. Without a declared form, answers are kept as given (as the Hub does). */
export function checkApplication(form: FormField[] | null, answers: Record<string, unknown>, purpose: string, policy: EffectivePolicy) {
  const problem = form ? validateAnswers(form, answers, isCountryCode)[0] : undefined;
  if (problem) throw badRequest('invalid_field', `${problem.field}: ${problem.message}.`, problem.field);
  if (purpose.length < policy.minStatementLength) {
    throw badRequest('statement_too_short', `purpose: describe your research in at least ${policy.minStatementLength} characters (you wrote ${purpose.length}).`, 'purpose');
  }
}

export async function checkCredential(deps: AppDeps, user: ActorUser, repo: RepositoryRow, policy: EffectivePolicy) {
  if (!policy.requiresCredential || (await hasActiveCredential(deps.db, user.id))) return;
  throw new AppError('credential_required', 403, `${repoIdOf(repo)} is open to credentialed researchers only, and you do not hold researcher credentials. Apply for them at ${deps.config.baseUrl}/settings/credential, then apply here again.`);
}

/** A required training without a valid certificate refuses the application, naming the course. */
export async function checkTrainings(deps: AppDeps, user: ActorUser, repo: RepositoryRow, policy: EffectivePolicy) {
  const unmet = await findUnmetTraining(deps.db, user.id, policy.requiredTrainings, deps.clock.now());
  if (!unmet) return;
  throw new AppError('training_required', 403, `${repoIdOf(repo)} requires the training "${unmet.title}"${unmet.expiredAt ? `, and your certificate expired on ${unmet.expiredAt.toISOString().slice(0, 10)}` : ''}. Take it at ${deps.config.baseUrl}/trainings/${unmet.slug}, then apply here again.`);
}

/** A revocation that barred re-application refuses every new application, naming its reason. */
export async function checkNotBarred(deps: AppDeps, user: ActorUser, repo: RepositoryRow) {
  const block = await findReapplicationBlock(deps.db, repo.id, user.id);
  if (!block) return;
  throw new AppError('reapplication_blocked', 403, `Your access to ${repoIdOf(repo)} was revoked on ${block.createdAt.toISOString().slice(0, 10)} and you may not apply again. Reason: ${block.reason}. Contact the publisher if you think this is wrong.`);
}

/**
 * What every submission (a direct application, a draft's or a returned one sent again) must pass
 * before its transaction: not barred from re-applying, credentialed and trained as the policy requires.
 */
export async function checkEligible(deps: AppDeps, user: ActorUser, repo: RepositoryRow, policy: EffectivePolicy) {
  await checkNotBarred(deps, user, repo);
  await checkCredential(deps, user, repo, policy);
  await checkTrainings(deps, user, repo, policy);
}

/**
 * `checkEligible`, and the repository's current agreement signed as sent: for a first submission.
 * Returns the agreement and version to record the signature against.
 */
export async function checkReadyToSubmit(deps: AppDeps, user: ActorUser, repo: RepositoryRow, policy: EffectivePolicy, signature: SignInput | undefined, verb: 'apply' | 'submit') {
  await checkEligible(deps, user, repo, policy);
  const agreement = await findAgreementOfRepository(deps.db, repo.id);
  const current = agreement ? await findCurrentVersion(deps.db, agreement.id) : undefined;
  if (agreement && current) {
    if (!signature) throw badRequest('agreement_required', `agreement.version: sign version ${current.version} of "${agreement.title}" to ${verb}. Read it at ${repoApiBase(deps.config.baseUrl, repo)}/agreement and send agreement: {version, signedName}.`, 'agreement.version');
    checkSignature(user, current, signature, 'agreement.');
  }
  return { agreement, current };
}

// ---- Grants and notices

/** The grant an approval creates: from now, for the policy's duration, tied to the application. */
export async function grantFor(tx: Db, app: ApplicationRow, grantedBy: string, policy: EffectivePolicy, now: Date, actor: ApplicationActor) {
  await revokeActiveGrants(tx, { repoId: app.repoId, userId: app.userId, revokedBy: grantedBy, reason: 'replaced by a new grant', now });
  const endsAt = policy.grantDurationDays ? new Date(now.getTime() + policy.grantDurationDays * 86_400_000) : null;
  const grant = await insertGrant(tx, { repoId: app.repoId, userId: app.userId, startsAt: now, endsAt, grantedBy, requestId: app.id, createdAt: now });
  await recordAuditEvent(tx, { action: 'grant.created', actorUserId: actor.userId, actorTokenId: actor.tokenId, repoId: app.repoId, ip: actor.audit.ip, details: { applicationId: app.id, userId: app.userId, grantId: grant.id, endsAt: endsAt?.toISOString() ?? null } });
  return grant;
}

/** Who is told of a new application: the committee, and the publishers under the single-approver rule. */
export async function notifyReviewers(tx: Db, deps: AppDeps, app: ApplicationRow, repo: RepositoryRow, applicant: ActorUser, resubmission: boolean, now: Date): Promise<PendingMail[]> {
  const policy = await loadPolicy(tx, repo.id);
  const committee = await listReviewers(tx, repo.id);
  const publishers = policy.decisionRule.kind === 'single' || committee.length === 0 ? await listPublishers(tx, repo.namespace) : [];
  const recipients = new Map([...committee, ...publishers].filter((r) => r.id !== applicant.id).map((r) => [r.id, r]));
  const notices = [...recipients.values()].map((reviewer) => newApplicationNotice({ baseUrl: deps.config.baseUrl, reviewer, applicationId: app.id, repoId: repoIdOf(repo), applicant, resubmission }));
  return recordNotices(tx, deps, notices, now);
}

// ---- The applicant

/**
 * Applies for access: checks the form, the statement and credentialed status, signs the current
 * agreement in the same transaction, and either approves at once (`agreement` level) or sends the
 * application to the reviewers (`reviewed`). One open application per user and repository.
 */
export async function applyForAccess(deps: AppDeps, actor: Actor & { kind: 'user' }, repo: RepositoryRow, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(applySchema, input ?? {});
  const now = deps.clock.now();
  const user = actor.user;
  const policy = await loadPolicy(deps.db, repo.id);
  checkApplication((await loadForm(deps, repo, policy)).fields, data.fields, data.purpose, policy);
  const { agreement, current } = await checkReadyToSubmit(deps, user, repo, policy, data.agreement, 'apply');
  const who: ApplicationActor = { userId: user.id, tokenId: actorTokenId(actor), role: 'applicant', audit };
  const { application, created, mails } = await deps.db.transaction(async (tx) => {
    const open = await findOpenApplication(tx, repo.id, user.id);
    if (open) throw conflict('application_open', `You already have an open application for ${repoIdOf(repo)} (${open.status}). Follow it at GET /api/access-requests/${open.id}, or withdraw it first.`);
    // Signed first: applying again while access is held signs a new version of the agreement, which lets downloads continue.
    if (agreement && current && data.agreement) await recordSignature(tx, user, agreement, current, data.agreement, audit, now);
    const held = await findActiveGrant(tx, repo.id, user.id, now);
    if (held?.requestId) {
      const existing = await findApplication(tx, held.requestId);
      if (existing?.status === 'approved') return { application: existing, created: false, mails: [] };
    }
    const submitted = await insertApplication(tx, {
      repoId: repo.id, userId: user.id, status: 'submitted', purpose: data.purpose, fields: data.fields,
      agreementId: current ? agreement!.id : null, agreementVersion: current?.version ?? null, round: 1, createdAt: now, submittedAt: now, updatedAt: now,
    });
    if (!submitted) throw conflict('application_open', `You already have an open application for ${repoIdOf(repo)}.`);
    await recordTransition(tx, submitted, who, { action: 'submitted', from: null, to: 'submitted', at: now, details: { level: repo.accessLevel } });
    if (repo.accessLevel !== 'agreement') return { application: submitted, created: true, mails: await notifyReviewers(tx, deps, submitted, repo, user, false, now) };
    // `agreement` level: complete form and signed agreement are all it takes (the Hub's "auto" gating).
    const approved = (await updateApplicationIf(tx, submitted.id, 'submitted', { status: 'approved', decidedAt: now, updatedAt: now }))!;
    const system: ApplicationActor = { ...who, role: 'system' };
    await recordTransition(tx, approved, system, { action: 'approved', from: 'submitted', to: 'approved', at: now, details: { automatic: true } });
    await grantFor(tx, approved, user.id, policy, now, system);
    return { application: approved, created: true, mails: [] };
  });
  dispatchMail(deps, mails);
  return { application, created };
}

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

/** The application a route names; routes authorize against it next. */
export async function loadApplication(deps: AppDeps, id: string) {
  const application = isUuid(id) ? await findApplication(deps.db, id) : undefined;
  if (!application) throw notFound('application_not_found', 'No such access application. List yours with GET /api/me/access-requests.');
  return application;
}

export async function withdrawApplication(deps: AppDeps, actor: Actor & { kind: 'user' }, id: string, audit: AuditContext = {}) {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const app = (await lockApplication(tx, id))!;
    const refused = refusal(app.status, 'withdraw', 'applicant');
    if (refused) throw refused;
    const saved = await updateApplicationIf(tx, app.id, app.status, { status: 'withdrawn', withdrawnAt: now, updatedAt: now });
    if (!saved) throw stateChanged();
    await recordTransition(tx, saved, { userId: actor.user.id, tokenId: actorTokenId(actor), role: 'applicant', audit }, { action: 'withdrawn', from: app.status, to: 'withdrawn', at: now });
    return saved;
  });
}

/** Edits a returned (or draft) application; the answers are checked again when it is resubmitted. */
export async function editApplication(deps: AppDeps, actor: Actor & { kind: 'user' }, id: string, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(editSchema, input);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const app = (await lockApplication(tx, id))!;
    if (app.status !== 'returned' && app.status !== 'draft') {
      throw conflict('application_not_editable', `This application is ${app.status}; only a returned application can be edited.`, 'status');
    }
    const saved = await updateApplicationIf(tx, app.id, app.status, { ...(data.purpose !== undefined ? { purpose: data.purpose } : {}), ...(data.fields ? { fields: data.fields } : {}), updatedAt: now });
    if (!saved) throw stateChanged();
    await recordAuditEvent(tx, { action: 'access_request.edited', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), repoId: app.repoId, ip: audit.ip, details: { applicationId: app.id } });
    return saved;
  });
}

/**
 * Submits a returned application again, checked against the current form and policy (the same
 * eligibility as a first submission; its signature stands); the reviewers are told.
 */
export async function resubmitApplication(deps: AppDeps, actor: Actor & { kind: 'user' }, repo: RepositoryRow, id: string, audit: AuditContext = {}) {
  const now = deps.clock.now();
  const policy = await loadPolicy(deps.db, repo.id);
  const form = (await loadForm(deps, repo, policy)).fields;
  await checkEligible(deps, actor.user, repo, policy);
  const { application, mails } = await deps.db.transaction(async (tx) => {
    const app = (await lockApplication(tx, id))!;
    const refused = refusal(app.status, 'submit', 'applicant');
    if (refused) throw refused;
    checkApplication(form, app.fields, app.purpose ?? '', policy);
    const saved = await updateApplicationIf(tx, app.id, app.status, { status: 'submitted', submittedAt: now, updatedAt: now });
    if (!saved) throw stateChanged();
    await recordTransition(tx, saved, { userId: actor.user.id, tokenId: actorTokenId(actor), role: 'applicant', audit }, { action: 'submitted', from: app.status, to: 'submitted', at: now, details: { resubmission: true } });
    return { application: saved, mails: await notifyReviewers(tx, deps, saved, repo, actor.user, true, now) };
  });
  dispatchMail(deps, mails);
  return application;
}

export async function loadMyApplications(deps: AppDeps, userId: string) {
  const rows = await listApplicationsOfUser(deps.db, userId);
  const events = await listEvents(deps.db, rows.map((r) => r.application.id));
  return rows.map((row) => ({ ...row, events: events.filter((e) => e.event.applicationId === row.application.id).map((e) => e.event) }));
}
