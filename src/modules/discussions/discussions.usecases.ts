import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { AppError, conflict, notFound, unauthenticated } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import { actorTokenId, type Actor } from '../access/actor.ts';
import type { RepoFacts } from '../access/access.policies.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { dispatchMail, recordNotices, type PendingMail } from '../notifications/notifications.usecases.ts';
import { appealNotice } from '../moderation/moderation.mail.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { findUserById } from '../users/users.repository.ts';
import { commentView, type ThreadKind } from './discussions.models.ts';
import type { DiscussionAction, DiscussionFacts } from './discussions.policies.ts';
import {
  findComment, findOpenAppeal, findThread, hideComment, insertComment, insertThread, listComments, listThreads, lockThreadRow, setThreadLock, usernamesOf, type ThreadRow,
} from './discussions.repository.ts';
import { appealSchema, commentSchema, moderationReasonSchema, newThreadSchema, unlockSchema } from './discussions.schemas.ts';

type UserActor = Actor & { kind: 'user' };

export const discussionFacts = (repo: RepositoryRow, facts: RepoFacts): DiscussionFacts => ({ repoPrivate: repo.private, role: facts.role });

export const threadPath = (repo: Pick<RepositoryRow, 'type' | 'namespace' | 'name'>, threadId: string) =>
  `/${repo.type === 'dataset' ? 'datasets/' : ''}${repo.namespace}/${repo.name}/discussions/${threadId}`;

/** Asks the policy; a refusal becomes the error that says why and what to do instead. */
export function ensureDiscussionAllowed(actor: Actor, action: DiscussionAction): asserts actor is UserActor {
  const decision = authorize(actor, action);
  if (decision.allowed && (action.type === 'discussion.read' || actor.kind === 'user')) return;
  switch (decision.allowed ? 'sign-in-required' : decision.reason) {
    case 'sign-in-required': throw unauthenticated('Sign in, or pass a token, to take part in discussions.');
    case 'not-found': throw notFound('discussion_not_found', 'Discussion not found, or you do not have access to it.');
    case 'user-blocked': throw new AppError('user_blocked', 403, 'Your account is blocked. Contact the platform administrators.');
    case 'insufficient-scope': throw new AppError('insufficient_scope', 403, 'This token is read-only. Use a write token or the browser.');
    default:
      if (action.type === 'discussion.moderate') throw new AppError('forbidden', 403, 'Only platform moderators hide comments and lock threads.');
      throw new AppError('thread_locked', 403, 'This thread is locked by the moderators: it takes no more comments.');
  }
}

const threadIdSchema = z.object({ id: z.uuid('not a discussion id') });
const commentIdSchema = z.object({ commentId: z.uuid('not a comment id') });

/** The threads a visitor may read: the discussions, and the appeals for publishers and moderators. */
export async function listRepoThreads(deps: AppDeps, actor: Actor, repo: RepositoryRow, facts: DiscussionFacts) {
  ensureDiscussionAllowed(actor, { type: 'discussion.read', facts });
  const kinds: ThreadKind[] = authorize(actor, { type: 'discussion.read-appeal', facts }).allowed ? ['appeal', 'discussion'] : ['discussion'];
  return listThreads(deps.db, repo.id, kinds);
}

/** One thread of this repository with its comments; an appeal only for those who may read it. */
export async function loadThread(deps: AppDeps, actor: Actor, repo: RepositoryRow, facts: DiscussionFacts, id: string) {
  const thread = await threadOf(deps, repo, id);
  ensureDiscussionAllowed(actor, { type: thread.kind === 'appeal' ? 'discussion.read-appeal' : 'discussion.read', facts });
  const rows = await listComments(deps.db, thread.id);
  const names = await usernamesOf(deps.db, [thread.createdBy, thread.lockedBy, ...rows.map((r) => r.comment.hiddenBy)]);
  return {
    thread,
    author: names.get(thread.createdBy) ?? 'unknown',
    lockedBy: thread.lockedBy ? names.get(thread.lockedBy) ?? null : null,
    comments: rows.map((r) => commentView(r.comment, r.author, r.comment.hiddenBy ? names.get(r.comment.hiddenBy) ?? null : null,
      r.comment.hiddenAt !== null && authorize(actor, { type: 'discussion.read-hidden', facts, authorId: r.comment.authorId }).allowed)),
  };
}

async function threadOf(deps: AppDeps, repo: RepositoryRow, id: string): Promise<ThreadRow> {
  const { id: threadId } = parseInput(threadIdSchema, { id });
  const thread = await findThread(deps.db, threadId);
  // A thread of another repository does not exist here.
  if (!thread || thread.repoId !== repo.id) throw notFound('discussion_not_found', 'Discussion not found, or you do not have access to it.');
  return thread;
}

export async function openThread(deps: AppDeps, actor: Actor, repo: RepositoryRow, facts: DiscussionFacts, input: unknown, audit: AuditContext) {
  ensureDiscussionAllowed(actor, { type: 'discussion.post', facts, locked: false });
  const data = parseInput(newThreadSchema, input);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const thread = await insertThread(tx, { repoId: repo.id, kind: 'discussion', title: data.title, createdBy: actor.user.id, createdAt: now, lastActivityAt: now });
    const comment = await insertComment(tx, { threadId: thread.id, authorId: actor.user.id, body: data.body, createdAt: now });
    await recordAuditEvent(tx, { action: 'discussion.opened', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { threadId: thread.id, commentId: comment.id, title: data.title } });
    return thread;
  });
}

export async function addComment(deps: AppDeps, actor: Actor, repo: RepositoryRow, facts: DiscussionFacts, id: string, input: unknown, audit: AuditContext) {
  const thread = await threadOf(deps, repo, id);
  ensureDiscussionAllowed(actor, { type: thread.kind === 'appeal' ? 'discussion.read-appeal' : 'discussion.read', facts });
  const data = parseInput(commentSchema, input);
  return deps.db.transaction(async (tx) => {
    // Under the row lock, so a comment cannot slip in after a lock that committed first.
    const current = (await lockThreadRow(tx, thread.id))!;
    const locked = current.lockedAt !== null;
    ensureDiscussionAllowed(actor, thread.kind === 'appeal' ? { type: 'discussion.appeal', facts, locked } : { type: 'discussion.post', facts, locked });
    const comment = await insertComment(tx, { threadId: thread.id, authorId: actor.user.id, body: data.body, createdAt: deps.clock.now() });
    await recordAuditEvent(tx, { action: 'discussion.commented', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { threadId: thread.id, commentId: comment.id, kind: thread.kind } });
    return comment;
  });
}

/** Hides a comment: its place, author and the reason stay visible, its text does not. */
export async function hideThreadComment(deps: AppDeps, actor: Actor, repo: RepositoryRow, facts: DiscussionFacts, id: string, commentId: string, input: unknown, audit: AuditContext) {
  const thread = await threadOf(deps, repo, id);
  ensureDiscussionAllowed(actor, { type: 'discussion.moderate', facts });
  const { reason } = parseInput(moderationReasonSchema, input);
  const { commentId: cid } = parseInput(commentIdSchema, { commentId });
  await deps.db.transaction(async (tx) => {
    const comment = await findComment(tx, thread.id, cid);
    if (!comment) throw notFound('comment_not_found', 'No such comment in this thread.');
    if (!(await hideComment(tx, comment.id, actor.user.id, reason, deps.clock.now()))) throw conflict('comment_hidden', 'This comment is hidden already.');
    await recordAuditEvent(tx, { action: 'discussion.comment_hidden', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { threadId: thread.id, commentId: comment.id, reason } });
  });
}

export async function setLock(deps: AppDeps, actor: Actor, repo: RepositoryRow, facts: DiscussionFacts, id: string, lock: boolean, input: unknown, audit: AuditContext) {
  const thread = await threadOf(deps, repo, id);
  ensureDiscussionAllowed(actor, { type: 'discussion.moderate', facts });
  const reason = lock ? parseInput(moderationReasonSchema, input).reason : parseInput(unlockSchema, input ?? {}).reason ?? null;
  return deps.db.transaction(async (tx) => {
    const current = (await lockThreadRow(tx, thread.id))!;
    if (lock === (current.lockedAt !== null)) throw conflict(lock ? 'thread_locked' : 'thread_not_locked', lock ? 'This thread is locked already.' : 'This thread is not locked.');
    const row = await setThreadLock(tx, thread.id, lock ? { by: actor.user.id, reason: reason!, at: deps.clock.now() } : null);
    await recordAuditEvent(tx, { action: lock ? 'discussion.locked' : 'discussion.unlocked', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { threadId: thread.id, reason } });
    return row;
  });
}

/**
 * A publisher appeals against a block. The appeal is a thread of kind `appeal` on the repository,
 * seen only by its publishers and the moderators; a second appeal while one is open adds to it.
 * The moderator who blocked is told.
 */
export async function appealBlock(deps: AppDeps, actor: Actor, repo: RepositoryRow, facts: DiscussionFacts, input: unknown, audit: AuditContext) {
  ensureDiscussionAllowed(actor, { type: 'discussion.appeal', facts });
  const { body } = parseInput(appealSchema, input);
  if (!repo.blockedAt) throw conflict('not_blocked', `${repo.namespace}/${repo.name} is not blocked: there is nothing to appeal.`);
  const now = deps.clock.now();
  let mails: PendingMail[] = [];
  const thread = await deps.db.transaction(async (tx) => {
    let thread = await findOpenAppeal(tx, repo.id);
    const created = !thread;
    thread ??= await insertThread(tx, { repoId: repo.id, kind: 'appeal', title: `Appeal against the block of ${repo.namespace}/${repo.name}`, createdBy: actor.user.id, createdAt: now, lastActivityAt: now });
    const comment = await insertComment(tx, { threadId: thread.id, authorId: actor.user.id, body, createdAt: now });
    await recordAuditEvent(tx, { action: 'repo.appealed', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { threadId: thread.id, commentId: comment.id, blockedReason: repo.blockedReason } });
    const blocker = repo.blockedBy ? await findUserById(tx, repo.blockedBy) : undefined;
    if (created && blocker) mails = await recordNotices(tx, deps, [appealNotice(deps.config.baseUrl, repo, blocker, actor.user.username, threadPath(repo, thread.id))], now);
    return thread;
  });
  dispatchMail(deps, mails);
  return thread;
}
