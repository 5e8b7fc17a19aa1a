import type { RepositoryRow } from '../repos/repos.repository.ts';
import type { ApplicationRow, EventRow } from './applications.repository.ts';
import type { loadReview } from './applications.review.usecases.ts';
import type { readAccessPolicy } from './applications.settings.usecases.ts';

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

type RepoRef = Pick<RepositoryRow, 'type' | 'namespace' | 'name'>;

/** The reason the applicant reads: the rejection reason, or what a return asked to change. */
function decisionReason(app: ApplicationRow, events: EventRow[]) {
  if (app.status === 'rejected') return app.rejectionReason;
  if (app.status === 'returned') return events.filter((e) => e.action === 'returned').at(-1)?.comment ?? null;
  return null;
}

/** The application as its applicant sees it: every event and the comments addressed to them, not the reviewers' names. */
export function presentApplication(app: ApplicationRow, repo: RepoRef, events: EventRow[]) {
  return {
    id: app.id,
    repository: { type: repo.type, id: `${repo.namespace}/${repo.name}` },
    status: app.status,
    purpose: app.purpose,
    fields: app.fields,
    agreement: app.agreementId ? { id: app.agreementId, version: app.agreementVersion } : null,
    round: app.round,
    createdAt: iso(app.createdAt), submittedAt: iso(app.submittedAt), updatedAt: iso(app.updatedAt), decidedAt: iso(app.decidedAt), withdrawnAt: iso(app.withdrawnAt),
    decisionReason: decisionReason(app, events),
    events: events.map((e) => ({ action: e.action, from: e.fromStatus, to: e.toStatus, by: e.actorRole, comment: e.comment, at: iso(e.createdAt) })),
  };
}

/** The reviewers' full view. */
export function presentReview(app: ApplicationRow, repo: RepoRef, review: Awaited<ReturnType<typeof loadReview>>, viewerId: string) {
  const base = presentApplication(app, repo, review.events.map((e) => e.event));
  return {
    ...base,
    events: review.events.map(({ event: e, actor }) => ({ action: e.action, from: e.fromStatus, to: e.toStatus, by: e.actorRole, actor: actor?.username ?? null, comment: e.comment, at: iso(e.createdAt) })),
    applicant: {
      username: review.applicant.username, displayName: review.applicant.displayName, email: review.applicant.email,
      credential: { status: review.credential.status, active: review.credential.active, approvedAt: iso(review.credential.approvedAt), revokedAt: iso(review.credential.revokedAt) },
      trainings: review.trainings,
    },
    signatures: review.signatures.map(({ signature, agreement, repo: signedRepo }) => ({
      agreement: { id: agreement.id, title: agreement.title, scope: agreement.scope },
      repository: signedRepo?.namespace ? `${signedRepo.namespace}/${signedRepo.name}` : null,
      version: signature.version, textSha256: signature.textSha256, signedName: signature.signedName, signedAt: iso(signature.signedAt),
    })),
    decisionRule: review.policy.decisionRule,
    /** A renewal: the grant it would replace. */
    renewalOf: review.renewedGrant ? { grantId: review.renewedGrant.id, endsAt: iso(review.renewedGrant.endsAt) } : null,
    votes: review.votes.map(({ vote, reviewer }) => ({ reviewer: reviewer.username, round: vote.round, decision: vote.decision, comment: vote.comment, conditions: vote.conditions, at: iso(vote.createdAt) })),
    conflicts: review.conflicts.map(({ conflict, reviewer }) => ({ reviewer: reviewer.username, reason: conflict.reason, declaredAt: iso(conflict.declaredAt) })),
    comments: review.comments.map(({ comment, author }) => ({ id: comment.id, author: author.username, text: comment.text, at: iso(comment.createdAt) })),
    you: {
      recused: review.conflicts.some((c) => c.conflict.reviewerId === viewerId),
      voted: review.votes.some((v) => v.vote.reviewerId === viewerId && v.vote.round === app.round),
    },
  };
}

export function presentPolicy(repo: RepositoryRow, read: Awaited<ReturnType<typeof readAccessPolicy>>) {
  const { policy, form, committeeSize } = read;
  return {
    repository: { type: repo.type, id: `${repo.namespace}/${repo.name}`, accessLevel: repo.accessLevel },
    requiresCredential: policy.requiresCredential,
    requiredTrainings: policy.requiredTrainings,
    minStatementLength: policy.minStatementLength,
    grantDurationDays: policy.grantDurationDays,
    decisionRule: policy.decisionRule,
    formFields: policy.formFields,
    conditions: policy.conditions,
    /** The form applicants fill in now, and where it is declared. */
    form: { source: form.source, fields: form.fields ?? [] },
    committeeSize,
  };
}
