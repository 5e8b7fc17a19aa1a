import { countryName } from './credentials.countries.ts';
import { applicationGaps, profileGaps, referenceState, stagesOf, transition, type Gap, type ReferenceState, type Stage } from './credentials.models.ts';
import type { ApplicationRow, EventRow, ProfileRow, ReferenceRow } from './credentials.repository.ts';

/**
 * JSON shapes of the credential API. The applicant's view never carries the reference's token
 * (it is not stored), its hash, the reference's note, staff-only comments or staff identities.
 */

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

export function presentProfile(profile: ProfileRow | undefined) {
  const missing = profileGaps(profile);
  return {
    fullName: profile?.fullName ?? null, institution: profile?.institution ?? null, jobTitle: profile?.jobTitle ?? null,
    category: profile?.category ?? null, country: profile?.country ?? null, countryName: profile?.country ? countryName(profile.country) : null,
    orcid: profile?.orcid ?? null, website: profile?.website ?? null, updatedAt: iso(profile?.updatedAt),
    complete: missing.length === 0, missing,
  };
}

/** One sentence on where the application stands and who acts next. */
export function nextStep(status: ApplicationRow['status'], stage: Stage | null, reference: ReferenceState | null): string {
  switch (status) {
    case 'draft': return 'Not submitted yet. Complete it and submit it when ready.';
    case 'returned': return 'Returned to you for changes: read the staff comment, edit your application and submit it again.';
    case 'approved': return 'Approved: you are a credentialed researcher.';
    case 'rejected': return 'Rejected. The reason is shown below. You may start a new application.';
    case 'revoked': return 'Your credential was revoked. The reason is shown below.';
    case 'submitted':
      if (reference === 'declined') return 'Your reference declined to confirm you. Staff will return your application so you can name another reference, or decide on it.';
      if (reference === 'expired') return 'Your reference did not answer within 30 days. Staff will return your application so you can ask again or name another reference.';
      if (stage === 'identity') return reference === 'waiting' ? 'Staff are checking your identity; your reference has been mailed and has not answered yet.' : 'Staff are checking your identity.';
      if (stage === 'reference') return 'Waiting for your reference to answer the mail we sent them.';
      return 'Identity and reference are done: waiting for the staff decision.';
  }
}

const referenceView = (r: ReferenceRow | undefined, now: Date) =>
  r ? { name: r.name, email: r.email, relationship: r.relationship, state: referenceState(r, now), requestedAt: iso(r.createdAt), expiresAt: iso(r.expiresAt), respondedAt: iso(r.respondedAt) } : null;

function reviewState(app: ApplicationRow, reference: ReferenceRow | undefined, now: Date) {
  const { current, stages } = stagesOf({ status: app.status, identityCheckedAt: app.identityCheckedAt, decidedAt: app.decidedAt, reference }, now);
  return { stage: current, stages: stages.map((s) => ({ name: s.name, state: s.state, at: iso(s.at) })), nextStep: nextStep(app.status, current, reference ? referenceState(reference, now) : null) };
}

export interface MyCredentialView {
  application: ApplicationRow | undefined;
  reference: ReferenceRow | undefined;
  events: { event: EventRow; actor: { username: string } | null }[];
  profile: ProfileRow | undefined;
}

export function presentMyCredential(view: MyCredentialView, now: Date, summaryMin: number) {
  const profileMissing = profileGaps(view.profile);
  const app = view.application;
  if (!app) return { application: null, summaryMin, profileComplete: profileMissing.length === 0, missing: [...applicationGaps({ researchSummary: null, referenceName: null, referenceEmail: null, referenceRelationship: null }, summaryMin), ...profileMissing.map(prefixProfile)] };
  const editable = app.status === 'draft' || app.status === 'returned';
  return {
    summaryMin,
    profileComplete: profileMissing.length === 0,
    missing: editable ? [...applicationGaps(app, summaryMin), ...profileMissing.map(prefixProfile)] : [],
    application: {
      id: app.id, status: app.status, ...reviewState(app, view.reference, now), editable,
      researchSummary: app.researchSummary,
      reference: { name: app.referenceName, email: app.referenceEmail, relationship: app.referenceRelationship },
      referenceRequest: referenceView(view.reference, now),
      submittedAt: iso(app.submittedAt), identityCheckedAt: iso(app.identityCheckedAt), decidedAt: iso(app.decidedAt),
      decisionComment: app.decisionComment, revokedAt: iso(app.revokedAt), revokeReason: app.revokeReason,
      createdAt: iso(app.createdAt), updatedAt: iso(app.updatedAt),
      events: view.events.map(({ event }) => ({ action: event.action, by: event.actorRole, comment: event.internal ? null : event.comment, at: iso(event.createdAt) })),
    },
  };
}

const prefixProfile = (gap: Gap): Gap => ({ field: `profile.${gap.field}`, message: gap.message });

export function presentQueueItem(row: { application: ApplicationRow; applicant: { id: string; username: string }; reference: ReferenceRow | null }, now: Date) {
  const app = row.application;
  const snapshot = app.profileSnapshot;
  return {
    id: app.id, applicant: row.applicant, fullName: snapshot?.fullName ?? null, institution: snapshot?.institution ?? null,
    category: snapshot?.category ?? null, country: snapshot?.country ?? null, submittedAt: iso(app.submittedAt),
    ...reviewState(app, row.reference ?? undefined, now),
  };
}

export interface ReviewView {
  application: ApplicationRow;
  applicant: { id: string; username: string; email: string; displayName: string };
  reference: ReferenceRow | undefined;
  events: { event: EventRow; actor: { username: string } | null }[];
  earlier: ApplicationRow[];
}

export function presentReview(view: ReviewView, now: Date) {
  const { application: app, reference } = view;
  const canApprove = transition(app.status, 'staff', 'approve', { identityChecked: app.identityCheckedAt !== null, referenceConfirmed: reference !== undefined && referenceState(reference, now) === 'confirmed' }).ok;
  return {
    id: app.id, status: app.status, ...reviewState(app, reference, now), canApprove,
    applicant: { id: view.applicant.id, username: view.applicant.username, email: view.applicant.email, displayName: view.applicant.displayName },
    profileSnapshot: app.profileSnapshot ? { ...app.profileSnapshot, countryName: app.profileSnapshot.country ? countryName(app.profileSnapshot.country) : null } : null,
    researchSummary: app.researchSummary,
    reference: reference ? { ...referenceView(reference, now)!, response: reference.response, note: reference.note } : null,
    submittedAt: iso(app.submittedAt), identityCheckedAt: iso(app.identityCheckedAt), decidedAt: iso(app.decidedAt),
    decisionComment: app.decisionComment, revokedAt: iso(app.revokedAt), revokeReason: app.revokeReason,
    events: view.events.map(({ event, actor }) => ({ action: event.action, by: event.actorRole, actor: actor?.username ?? null, comment: event.comment, internal: event.internal, at: iso(event.createdAt) })),
    earlierApplications: view.earlier.map((a) => ({ id: a.id, status: a.status, submittedAt: iso(a.submittedAt), decidedAt: iso(a.decidedAt), decisionComment: a.decisionComment, revokedAt: iso(a.revokedAt), revokeReason: a.revokeReason })),
  };
}
