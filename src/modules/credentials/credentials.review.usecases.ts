import type { AppDeps } from '../../app/deps.ts';
import { notFound } from '../../lib/errors.ts';
import { actorTokenId, type Actor } from '../access/actor.ts';
import type { AuditContext } from '../audit/audit.repository.ts';
import { dispatchMail, recordNotices } from '../notifications/notifications.usecases.ts';
import { findUserById } from '../users/users.repository.ts';
import { applicantNotice, type ApplicantNoticeKind } from './credentials.mail.ts';
import { referenceState, transition, type CredentialStep } from './credentials.models.ts';
import {
  findApplication, findCurrentReference, listApplicationsOfUser, listEvents, listQueue, lockApplication, updateApplicationIf, type ApplicationRow,
} from './credentials.repository.ts';
import { recordTransition, refusalError, stateChanged, type CredentialActor } from './credentials.usecases.ts';

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

/** The application a staff route names; the route authorizes against its applicant next. */
export async function loadApplication(deps: AppDeps, id: string) {
  const application = isUuid(id) ? await findApplication(deps.db, id) : undefined;
  if (!application) throw notFound('credential_application_not_found', 'No such credential application. Open the queue to find it.');
  return application;
}

export const loadQueue = (deps: AppDeps) => listQueue(deps.db, 500);

/** Everything staff need to decide: the applicant, the snapshot, the reference's answer, the history. */
export async function loadReview(deps: AppDeps, application: ApplicationRow) {
  const [applicant, reference, events, history] = await Promise.all([
    findUserById(deps.db, application.userId),
    findCurrentReference(deps.db, application.id),
    listEvents(deps.db, application.id),
    listApplicationsOfUser(deps.db, application.userId),
  ]);
  return { application, applicant: applicant!, reference, events, earlier: history.filter((a) => a.id !== application.id) };
}

export type StaffAction = Extract<CredentialStep, 'check-identity' | 'return' | 'approve' | 'reject' | 'revoke'>;

interface StaffStep {
  event: string;
  /** The text staff gave: shown to the applicant unless `internal`. */
  comment: string | null;
  internal: boolean;
  notice: ApplicantNoticeKind | null;
  values(now: Date, staffId: string): Partial<ApplicationRow>;
}

function stepOf(action: StaffAction, input: { note?: string | null; comment?: string | null; reason?: string | null }): StaffStep {
  switch (action) {
    case 'check-identity':
      return { event: 'identity_checked', comment: input.note ?? null, internal: true, notice: null, values: (now, by) => ({ identityCheckedAt: now, identityCheckedBy: by }) };
    case 'return':
      return { event: 'returned', comment: input.comment ?? null, internal: false, notice: 'returned', values: () => ({}) };
    case 'approve':
      return { event: 'approved', comment: input.comment ?? null, internal: false, notice: 'approved', values: (now, by) => ({ decidedAt: now, decidedBy: by, decisionComment: input.comment ?? null }) };
    case 'reject':
      return { event: 'rejected', comment: input.reason ?? null, internal: false, notice: 'rejected', values: (now, by) => ({ decidedAt: now, decidedBy: by, decisionComment: input.reason ?? null }) };
    case 'revoke':
      return { event: 'revoked', comment: input.reason ?? null, internal: false, notice: 'revoked', values: (now, by) => ({ revokedAt: now, revokedBy: by, revokeReason: input.reason ?? null }) };
  }
}

/**
 * A staff step on one application. The row is locked and the update is conditional on the status
 * it was decided from, so of two concurrent decisions exactly one takes effect; the other gets 409.
 * The applicant is mailed after the commit, and a failed mail does not undo the decision.
 */
export async function reviewApplication(deps: AppDeps, actor: Actor & { kind: 'user' }, applicationId: string, action: StaffAction, input: { note?: string | null; comment?: string | null; reason?: string | null }, audit: AuditContext = {}) {
  const now = deps.clock.now();
  const step = stepOf(action, input);
  const who: CredentialActor = { userId: actor.user.id, tokenId: actorTokenId(actor), role: 'staff', audit };
  const { application, mails } = await deps.db.transaction(async (tx) => {
    const app = await lockApplication(tx, applicationId);
    if (!app) throw notFound('credential_application_not_found', 'No such credential application.');
    const reference = await findCurrentReference(tx, app.id);
    const facts = { identityChecked: app.identityCheckedAt !== null, referenceConfirmed: reference !== undefined && referenceState(reference, now) === 'confirmed' };
    const next = transition(app.status, 'staff', action, facts);
    if (!next.ok) throw refusalError(app.status, action, next.reason);
    const saved = await updateApplicationIf(tx, app.id, app.status, { status: next.to, updatedAt: now, ...step.values(now, actor.user.id) });
    if (!saved) throw stateChanged();
    await recordTransition(tx, saved, who, { action: step.event, comment: step.comment, internal: step.internal, at: now });
    if (!step.notice) return { application: saved, mails: [] };
    const applicant = (await findUserById(tx, app.userId))!;
    const notice = applicantNotice({ baseUrl: deps.config.baseUrl, applicant: { id: applicant.id, email: applicant.email }, kind: step.notice, comment: step.comment });
    return { application: saved, mails: await recordNotices(tx, deps, [notice], now) };
  });
  dispatchMail(deps, mails);
  return application;
}
