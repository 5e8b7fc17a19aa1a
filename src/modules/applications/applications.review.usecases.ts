import type { AppDeps } from '../../app/deps.ts';
import { insertGrantConditions } from '../conditions/conditions.repository.ts';
import type { Db } from '../../db/client.ts';
import { AppError, conflict } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import { actorTokenId, type Actor } from '../access/actor.ts';
import { listSignaturesOfUser } from '../agreements/agreements.repository.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { credentialStatus } from '../credentials/credentials.usecases.ts';
import { trainingsForReview } from '../trainings/trainings.usecases.ts';
import { dispatchMail, recordNotices, type PendingMail } from '../notifications/notifications.usecases.ts';
import { findRoleInNamespace, findRolesInNamespaces } from '../orgs/orgs.repository.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { findUserById } from '../users/users.repository.ts';
import { applicantNotice, type ApplicantNoticeKind } from './applications.mail.ts';
import { tally, transition, type VoteDecision } from './applications.models.ts';
import type { ReviewFacts } from './applications.policies.ts';
import {
  findRenewedGrant, findRepositoryById, hasConflict, insertComment, insertConflict, insertVote, isReviewer, listComments, listConflicts, listConflictsOfReviewer,
  listEvents, listPublisherNamespaces, listQueueCandidates, listReviewerRepoIds, listReviewers, listVotedRoundsOfReviewer, listVotes, lockApplication, updateApplicationIf, type ApplicationRow,
} from './applications.repository.ts';
import { commentSchema, conflictSchema, encodeQueueCursor, QUEUE_PAGE, voteSchema, type QueueCursor } from './applications.schemas.ts';
import { grantFor, loadPolicies, loadPolicy, recordTransition, repoIdOf, stateChanged, type ApplicationActor, type EffectivePolicy } from './applications.usecases.ts';

type UserActor = Actor & { kind: 'user' };

/** What `authorize` needs to decide whether the actor reviews this application. */
export async function loadReviewFacts(db: Db, actor: Actor, app: ApplicationRow, repo: RepositoryRow): Promise<ReviewFacts> {
  const policy = await loadPolicy(db, repo.id);
  if (actor.kind === 'anonymous') return { applicantId: app.userId, role: null, committeeMember: false, rule: policy.decisionRule.kind, recused: false };
  const [role, committeeMember, recused] = await Promise.all([findRoleInNamespace(db, actor.user.id, repo.namespace), isReviewer(db, repo.id, actor.user.id), hasConflict(db, app.id, actor.user.id)]);
  return { applicantId: app.userId, role, committeeMember, rule: policy.decisionRule.kind, recused };
}

export const loadApplicationRepo = async (deps: AppDeps, app: ApplicationRow) => (await findRepositoryById(deps.db, app.repoId))!;

/**
 * A page of the submitted applications the actor may review, oldest first, never their own, with
 * the cursor of the next page (null on the last); recusals and votes already cast are marked. The facts each row needs are loaded in batches (one query per kind, not per row),
 * and every row still goes through the same `authorize` as opening the application does.
 */
export async function loadQueue(deps: AppDeps, actor: UserActor, page: { limit: number; after?: QueueCursor } = { limit: QUEUE_PAGE }) {
  const [repoIds, namespaces] = await Promise.all([listReviewerRepoIds(deps.db, actor.user.id), listPublisherNamespaces(deps.db, actor.user.id, actor.user.username)]);
  // One more than the page, to know whether another follows.
  const fetched = await listQueueCandidates(deps.db, { repoIds, namespaces, excludeUserId: actor.user.id, limit: page.limit + 1, after: page.after });
  const candidates = fetched.slice(0, page.limit);
  const last = candidates[candidates.length - 1]?.application;
  // The cursor follows the candidates, not the rows the policy lets through, so no page is skipped.
  const next = fetched.length > page.limit && last?.submittedAt ? encodeQueueCursor({ submittedAt: last.submittedAt, id: last.id }) : null;
  const ids = candidates.map((c) => c.application.id);
  const distinctRepoIds = [...new Set(candidates.map((c) => c.repo.id))];
  const distinctNamespaces = [...new Set(candidates.map((c) => c.repo.namespace))];
  const [recused, votedRounds, policies, roles] = await Promise.all([
    listConflictsOfReviewer(deps.db, actor.user.id, ids),
    listVotedRoundsOfReviewer(deps.db, actor.user.id, ids),
    loadPolicies(deps.db, distinctRepoIds),
    findRolesInNamespaces(deps.db, actor.user.id, distinctNamespaces),
  ]);
  const committee = new Set(repoIds);
  const queue = [];
  for (const row of candidates) {
    const review: ReviewFacts = {
      applicantId: row.application.userId,
      role: roles.get(row.repo.namespace) ?? null,
      committeeMember: committee.has(row.repo.id),
      rule: policies.get(row.repo.id)!.decisionRule.kind,
      recused: recused.has(row.application.id),
    };
    if (!authorize(actor, { type: 'application.inspect', review }).allowed) continue;
    const voted = votedRounds.has(`${row.application.id}:${row.application.round}`);
    queue.push({ ...row, recused: review.recused, voted });
  }
  return { items: queue, next };
}

/** The reviewers' full view: the applicant's credential status, trainings and signatures, votes, conflicts, comments, events. */
export async function loadReview(deps: AppDeps, app: ApplicationRow, repo: RepositoryRow) {
  const [applicant, credential, signatures, votes, conflicts, comments, events, policy] = await Promise.all([
    findUserById(deps.db, app.userId), credentialStatus(deps.db, app.userId), listSignaturesOfUser(deps.db, app.userId), listVotes(deps.db, app.id),
    listConflicts(deps.db, app.id), listComments(deps.db, app.id), listEvents(deps.db, [app.id]), loadPolicy(deps.db, repo.id),
  ]);
  const [trainings, renewedGrant] = await Promise.all([trainingsForReview(deps, app.userId, policy.requiredTrainings), findRenewedGrant(deps.db, app.id)]);
  return { applicant: applicant!, credential, trainings, signatures, votes, conflicts, comments, events, policy, renewedGrant };
}

const closed = (app: ApplicationRow) => conflict('application_not_open', `This application is ${app.status}; it takes no votes now.`, 'status');

interface Tallied { mails: PendingMail[] }

/**
 * Counts the current round's votes of eligible reviewers and applies the decision they force, if any.
 * Runs in the transaction that holds the application's row lock, so exactly one decision is made.
 */
async function settle(tx: Db, deps: AppDeps, app: ApplicationRow, repo: RepositoryRow, policy: EffectivePolicy, actor: ApplicationActor, now: Date): Promise<Tallied> {
  const [committee, conflicts, allVotes] = await Promise.all([listReviewers(tx, repo.id), listConflicts(tx, app.id), listVotes(tx, app.id)]);
  const recused = new Set(conflicts.map((c) => c.conflict.reviewerId));
  const eligible = new Set(committee.map((m) => m.id).filter((id) => id !== app.userId && !recused.has(id)));
  const rule = policy.decisionRule;
  const counted = allVotes.map((v) => v.vote).filter((v) => v.round === app.round && v.decision !== 'return' && !recused.has(v.reviewerId) && (rule.kind === 'single' || eligible.has(v.reviewerId)));
  if (rule.kind === 'committee' && rule.required > eligible.size) return { mails: [] };
  const outcome = tally(rule, rule.kind === 'single' ? 1 : eligible.size, counted.map((v) => v.decision as VoteDecision));
  if (outcome === 'pending') return { mails: [] };
  const action = outcome === 'approved' ? 'approve' : 'reject';
  const next = transition(app.status, action, 'reviewer');
  if (!next.ok) throw closed(app);
  const lastApprover = counted.filter((v) => v.decision === 'approve').at(-1)?.reviewerId;
  const deciding = counted.at(-1)?.reviewerId ?? actor.userId;
  const comments = counted.filter((v) => v.decision === (outcome === 'approved' ? 'approve' : 'reject') && v.comment).map((v) => v.comment!);
  const reason = comments.length ? comments.join('\n\n') : null;
  const saved = await updateApplicationIf(tx, app.id, app.status, { status: next.to, decidedAt: now, decidedBy: deciding, rejectionReason: outcome === 'rejected' ? reason : null, updatedAt: now });
  if (!saved) throw stateChanged();
  await recordTransition(tx, saved, actor, { action: outcome, from: app.status, to: next.to, comment: reason, at: now, details: { rule: rule.kind, approvals: counted.filter((v) => v.decision === 'approve').length, rejections: counted.filter((v) => v.decision === 'reject').length } });
  if (outcome === 'approved') {
    const grant = await grantFor(tx, saved, lastApprover ?? deciding!, policy, now, actor);
    // Each approving reviewer's special conditions become the grant's (source `committee`).
    const special = counted.filter((v) => v.decision === 'approve').flatMap((v) => v.conditions.map((text) => ({ text, addedBy: v.reviewerId })));
    const seen = new Set<string>();
    await insertGrantConditions(tx, grant.id, special.filter((c) => !seen.has(c.text.toLowerCase()) && seen.add(c.text.toLowerCase())), now);
  }
  return { mails: await mailApplicant(tx, deps, saved, repo, outcome, reason, now) };
}

async function mailApplicant(tx: Db, deps: AppDeps, app: ApplicationRow, repo: RepositoryRow, kind: ApplicantNoticeKind, comment: string | null, now: Date) {
  const applicant = (await findUserById(tx, app.userId))!;
  return recordNotices(tx, deps, [applicantNotice({ baseUrl: deps.config.baseUrl, applicant, applicationId: app.id, repoId: repoIdOf(repo), kind, comment })], now);
}

/**
 * A reviewer's vote. The application row is locked first, so concurrent votes queue: each sees
 * the votes before it, and only the one that reaches the rule decides (and grants). A return sends
 * the application back to the applicant at once and starts a new round.
 */
export async function castVote(deps: AppDeps, actor: UserActor, app: ApplicationRow, repo: RepositoryRow, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(voteSchema, input);
  const now = deps.clock.now();
  const who: ApplicationActor = { userId: actor.user.id, tokenId: actorTokenId(actor), role: 'reviewer', audit };
  const { application, mails } = await deps.db.transaction(async (tx) => {
    const locked = (await lockApplication(tx, app.id))!;
    if (locked.status !== 'submitted') throw closed(locked);
    if (await hasConflict(tx, locked.id, actor.user.id)) throw recusedError();
    const policy = await loadPolicy(tx, repo.id);
    const rule = policy.decisionRule;
    if (rule.kind === 'committee') {
      const committee = await listReviewers(tx, repo.id);
      const recused = new Set((await listConflicts(tx, locked.id)).map((c) => c.conflict.reviewerId));
      const eligible = committee.filter((m) => m.id !== locked.userId && !recused.has(m.id)).length;
      if (rule.required > eligible) {
        throw conflict('committee_too_small', `The decision rule needs ${rule.required} approvals, but only ${eligible} committee members may vote on this application. The publishers must add reviewers or lower the rule before it can be decided.`);
      }
    }
    const vote = await insertVote(tx, { applicationId: locked.id, reviewerId: actor.user.id, round: locked.round, decision: data.decision, comment: data.comment ?? null, conditions: data.conditions, createdAt: now });
    if (!vote) throw conflict('already_voted', `You have already voted in round ${locked.round} of this application.`);
    await recordAuditEvent(tx, { action: 'access_request.voted', actorUserId: actor.user.id, actorTokenId: who.tokenId, repoId: repo.id, ip: audit.ip, details: { applicationId: locked.id, round: locked.round, decision: data.decision } });
    if (data.decision === 'return') {
      const next = transition(locked.status, 'return', 'reviewer');
      if (!next.ok) throw closed(locked);
      const saved = await updateApplicationIf(tx, locked.id, locked.status, { status: next.to, round: locked.round + 1, updatedAt: now });
      if (!saved) throw stateChanged();
      await recordTransition(tx, saved, who, { action: 'returned', from: locked.status, to: next.to, comment: data.comment, at: now });
      return { application: saved, mails: await mailApplicant(tx, deps, saved, repo, 'returned', data.comment ?? null, now) };
    }
    const { mails } = await settle(tx, deps, locked, repo, policy, who, now);
    return { application: (await lockApplication(tx, locked.id))!, mails };
  });
  dispatchMail(deps, mails);
  return application;
}

export const recusedError = () => new AppError('recused', 403, 'You declared a conflict of interest on this application, so you are recused: you cannot vote or comment on it.');

/** A declared conflict recuses the reviewer; the votes are counted again without them. */
export async function declareConflict(deps: AppDeps, actor: UserActor, app: ApplicationRow, repo: RepositoryRow, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(conflictSchema, input);
  const now = deps.clock.now();
  const who: ApplicationActor = { userId: actor.user.id, tokenId: actorTokenId(actor), role: 'reviewer', audit };
  const mails = await deps.db.transaction(async (tx) => {
    const locked = (await lockApplication(tx, app.id))!;
    const saved = await insertConflict(tx, { applicationId: locked.id, reviewerId: actor.user.id, reason: data.reason, declaredAt: now });
    if (!saved) return [];
    await recordAuditEvent(tx, { action: 'access_request.conflict_declared', actorUserId: actor.user.id, actorTokenId: who.tokenId, repoId: repo.id, ip: audit.ip, details: { applicationId: locked.id } });
    if (locked.status !== 'submitted') return [];
    return (await settle(tx, deps, locked, repo, await loadPolicy(tx, repo.id), { ...who, role: 'system' }, now)).mails;
  });
  dispatchMail(deps, mails);
}

export async function addComment(deps: AppDeps, actor: UserActor, app: ApplicationRow, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(commentSchema, input);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const comment = await insertComment(tx, { applicationId: app.id, authorId: actor.user.id, text: data.text, createdAt: now });
    await recordAuditEvent(tx, { action: 'access_request.commented', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), repoId: app.repoId, ip: audit.ip, details: { applicationId: app.id, commentId: comment.id } });
    return comment;
  });
}
