import { randomBytes } from 'node:crypto';
import type { AppDeps } from '../../app/deps.ts';
import type { Db } from '../../db/client.ts';
import { sha256Hex } from '../../lib/crypto.ts';
import { AppError, badRequest, conflict, notFound } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import type { ActorUser } from '../access/actor.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { dispatchMail, recordNotices, type Notice } from '../notifications/notifications.usecases.ts';
import { newSubmissionNotice, referenceRequestNotice } from './credentials.mail.ts';
import { externalResearcherStatus } from '../passports/passports.status.ts';
import {
  applicationGaps, isClosed, needsNewReferenceRequest, profileGaps, referenceLinkExpiry, sameSnapshot, snapshotOf, transition,
  type CredentialStep, type CredentialRole, type CredentialStatus, type TransitionRefusal,
} from './credentials.models.ts';
import {
  findCredentialState, findCurrentReference, findLatestApplication, findProfile, insertApplication, insertEvent, insertReference, listEvents,
  listUsersWithPlatformRole, lockLatestApplication, supersedeReferences, updateApplicationIf, upsertProfile, type ApplicationRow,
} from './credentials.repository.ts';
import { applicationSchema, profileSchema } from './credentials.schemas.ts';

/** Who acted, for the event row and the audit log. */
export interface CredentialActor {
  userId: string | null;
  tokenId: string | null;
  role: CredentialRole;
  audit: AuditContext;
}

/**
 * Every transition is one event row (what the applicant's timeline shows) and one audit event,
 * written in the transaction of the change. Comments stay out of the audit log: it is for facts.
 */
export async function recordTransition(tx: Db, app: ApplicationRow, actor: CredentialActor, event: { action: string; comment?: string | null; internal?: boolean; at: Date; details?: Record<string, unknown> }) {
  await insertEvent(tx, { applicationId: app.id, actorUserId: actor.userId, actorRole: actor.role, action: event.action, comment: event.comment ?? null, internal: event.internal ?? false, createdAt: event.at });
  await recordAuditEvent(tx, {
    action: `credential.${event.action}`, actorUserId: actor.userId, actorTokenId: actor.tokenId, ip: actor.audit.ip,
    details: { applicationId: app.id, applicantId: app.userId, status: app.status, ...event.details },
  });
}

const ACTION_WORDS: Record<CredentialStep, string> = {
  edit: 'edited', submit: 'submitted', 'respond-reference': 'answered by the reference', 'check-identity': 'identity-checked',
  return: 'returned', approve: 'approved', reject: 'rejected', revoke: 'revoked',
};

/** A refused transition as a 409 that says where the application stands and what would be needed. */
export function refusalError(status: CredentialStatus, action: CredentialStep, reason: TransitionRefusal): AppError {
  switch (reason) {
    case 'identity-not-checked':
      return conflict('identity_not_checked', 'Check the applicant\'s identity (POST …/identity-check) before approving.');
    case 'reference-not-confirmed':
      return conflict('reference_not_confirmed', 'The reference has not confirmed the applicant. Approve only after a confirmation; return the application if the reference must change.');
    case 'wrong-role':
      return new AppError('forbidden', 403, `You cannot have this application ${ACTION_WORDS[action]}.`);
    case 'wrong-status':
      return conflict('credential_transition_refused', `This application is ${status}; it cannot be ${ACTION_WORDS[action]} now.`, 'status');
  }
}

export const stateChanged = () => conflict('credential_state_changed', 'The application changed while you were deciding (someone else acted on it). Reload it and decide again.');

// ---- Profile

export const loadMyProfile = (deps: AppDeps, userId: string) => findProfile(deps.db, userId);

export async function saveMyProfile(deps: AppDeps, user: ActorUser, tokenId: string | null, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(profileSchema, input);
  return deps.db.transaction(async (tx) => {
    const profile = await upsertProfile(tx, { userId: user.id, ...data, updatedAt: deps.clock.now() });
    await recordAuditEvent(tx, { action: 'credential.profile_saved', actorUserId: user.id, actorTokenId: tokenId, ip: audit.ip, details: { complete: profileGaps(profile).length === 0 } });
    return profile;
  });
}

// ---- The applicant's application

export async function loadMyCredential(deps: AppDeps, userId: string) {
  const [application, profile] = await Promise.all([findLatestApplication(deps.db, userId), findProfile(deps.db, userId)]);
  if (!application) return { application: undefined, reference: undefined, events: [], profile };
  const [reference, events] = await Promise.all([findCurrentReference(deps.db, application.id), listEvents(deps.db, application.id)]);
  return { application, reference, events, profile };
}

/** Saves the draft (or the returned application). Without an open application, starts a new draft. */
export async function saveMyApplication(deps: AppDeps, user: ActorUser, tokenId: string | null, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(applicationSchema, input);
  if (data.reference.email && data.reference.email.toLowerCase() === user.email.toLowerCase()) {
    throw badRequest('reference_is_self', 'reference.email: name someone who can vouch for you, not your own address.', 'reference.email');
  }
  const now = deps.clock.now();
  const values = { researchSummary: data.researchSummary, referenceName: data.reference.name, referenceEmail: data.reference.email, referenceRelationship: data.reference.relationship, updatedAt: now };
  const actor: CredentialActor = { userId: user.id, tokenId, role: 'applicant', audit };
  return deps.db.transaction(async (tx) => {
    const latest = await lockLatestApplication(tx, user.id);
    if (!latest || isClosed(latest.status)) {
      const created = await insertApplication(tx, { userId: user.id, status: 'draft', ...values, createdAt: now });
      // A concurrent save created the draft first (the one-open-application index).
      if (!created) throw stateChanged();
      await recordTransition(tx, created, actor, { action: 'created', at: now });
      return { application: created, created: true };
    }
    const step = transition(latest.status, 'applicant', 'edit');
    if (!step.ok) throw refusalError(latest.status, 'edit', step.reason);
    const saved = await updateApplicationIf(tx, latest.id, latest.status, values);
    if (!saved) throw stateChanged();
    return { application: saved, created: false };
  });
}

/**
 * Submits the application with a snapshot of the profile. The reference is asked (a one-time
 * link by mail) unless the current request already covers them; staff are told of new work.
 */
export async function submitMyApplication(deps: AppDeps, user: ActorUser, tokenId: string | null, audit: AuditContext = {}) {
  const now = deps.clock.now();
  const actor: CredentialActor = { userId: user.id, tokenId, role: 'applicant', audit };
  const { application, mails } = await deps.db.transaction(async (tx) => {
    const app = await lockLatestApplication(tx, user.id);
    if (!app || isClosed(app.status)) throw notFound('credential_application_not_found', 'You have no open credential application. Save one with PUT /api/me/credential first.');
    const step = transition(app.status, 'applicant', 'submit');
    if (!step.ok) throw refusalError(app.status, 'submit', step.reason);
    const appGap = applicationGaps(app, deps.config.credentialSummaryMin)[0];
    if (appGap) throw badRequest('application_incomplete', `${appGap.field}: ${appGap.message}.`, appGap.field);
    const profile = await findProfile(tx, user.id);
    const profileGap = profileGaps(profile)[0];
    if (!profile || profileGap) throw badRequest('profile_incomplete', `Complete your profile before submitting: ${profileGap?.message ?? 'fill it in'}.`, `profile.${profileGap?.field ?? 'fullName'}`);

    const snapshot = snapshotOf(profile);
    const resubmission = app.status === 'returned';
    const submitted = await updateApplicationIf(tx, app.id, app.status, {
      status: 'submitted', profileSnapshot: snapshot, submittedAt: now, updatedAt: now,
      // An identity check stands only for the profile it checked.
      identityCheckedAt: sameSnapshot(app.profileSnapshot, snapshot) ? app.identityCheckedAt : null,
      identityCheckedBy: sameSnapshot(app.profileSnapshot, snapshot) ? app.identityCheckedBy : null,
    });
    if (!submitted) throw stateChanged();
    await recordTransition(tx, submitted, actor, { action: 'submitted', at: now, details: { resubmission } });

    const notices: Notice[] = [];
    const reference = { name: submitted.referenceName!, email: submitted.referenceEmail!, relationship: submitted.referenceRelationship! };
    if (needsNewReferenceRequest(await findCurrentReference(tx, app.id), reference.email, now)) {
      await supersedeReferences(tx, app.id, now);
      // The token travels in the mail only; the database keeps its hash, and no log or event sees it.
      const token = randomBytes(32).toString('base64url');
      const expiresAt = referenceLinkExpiry(now);
      const request = await insertReference(tx, { applicationId: app.id, ...reference, tokenHash: sha256Hex(token), expiresAt, createdAt: now });
      await recordTransition(tx, submitted, actor, { action: 'reference_requested', at: now, details: { referenceRequestId: request.id, expiresAt: expiresAt.toISOString() } });
      notices.push(referenceRequestNotice({ baseUrl: deps.config.baseUrl, token, expiresAt, reference, applicant: snapshot }));
    }
    let staff = await listUsersWithPlatformRole(tx, 'credentialing', user.id);
    if (staff.length === 0) staff = await listUsersWithPlatformRole(tx, 'admin', user.id);
    for (const member of staff) {
      notices.push(newSubmissionNotice({ baseUrl: deps.config.baseUrl, staff: member, applicationId: app.id, applicant: { username: user.username, fullName: snapshot.fullName }, resubmission }));
    }
    return { application: submitted, mails: await recordNotices(tx, deps, notices, now) };
  });
  dispatchMail(deps, mails);
  return application;
}

// ---- For the download gate

export interface CredentialStatusView {
  /** True only while the newest approved credential is not revoked. */
  active: boolean;
  status: 'none' | 'approved' | 'revoked';
  approvedAt: Date | null;
  revokedAt: Date | null;
}

/** The user's researcher credential as the access gate sees it (re-read at every request). */
export async function credentialStatus(db: Db, userId: string): Promise<CredentialStatusView> {
  const state = await findCredentialState(db, userId);
  if (!state) return { active: false, status: 'none', approvedAt: null, revokedAt: null };
  const status = state.status === 'approved' ? 'approved' : 'revoked';
  return { active: status === 'approved', status, approvedAt: state.decidedAt, revokedAt: state.revokedAt };
}

/** An approved Airlock credential, or a valid `ResearcherStatus` visa from a trusted GA4GH broker. */
export const hasActiveCredential = async (db: Db, userId: string, now = new Date()) => {
  // Both asked at once: the download gate waits on this when its cache is cold.
  const [own, visa] = await Promise.all([credentialStatus(db, userId), externalResearcherStatus(db, userId, now)]);
  return own.active || visa !== null;
};
