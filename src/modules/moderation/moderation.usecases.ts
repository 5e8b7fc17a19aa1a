import type { AppDeps } from '../../app/deps.ts';
import { AppError, conflict, forbidden, notFound, unauthenticated } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import { actorTokenId, actorUserId, type Actor } from '../access/actor.ts';
import type { Db } from '../../db/client.ts';
import { listPublishers } from '../applications/applications.repository.ts';
import { dispatchMail, recordNotices } from '../notifications/notifications.usecases.ts';
import { blockedNotice, unblockedNotice } from './moderation.mail.ts';
import { findOpenAppeal, setThreadLock } from '../discussions/discussions.repository.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { findUserByUsername } from '../users/users.repository.ts';
import { clearRepoBlock, clearUserBlock, markRepoBlocked, markUserBlocked } from './moderation.repository.ts';
import type { ModerationAction } from './moderation.policies.ts';
import { blockSchema, unblockSchema } from './moderation.schemas.ts';

/** Asks `authorize`; returns the acting user's id or throws what the caller should see. */
export function ensureModerator(actor: Actor, action: ModerationAction): string {
  const decision = authorize(actor, action);
  if (decision.allowed && actor.kind === 'user') return actor.user.id;
  switch (decision.allowed ? 'forbidden' : decision.reason) {
    case 'sign-in-required': throw unauthenticated('Sign in, or pass a token, to moderate.');
    case 'user-blocked': throw new AppError('user_blocked', 403, 'Your account is blocked. Contact the platform administrators.');
    case 'insufficient-scope': throw new AppError('insufficient_scope', 403, 'This token is read-only. Use a write token or the browser.');
    default: throw forbidden(action.type === 'moderation.block-repo'
      ? 'Only platform moderators and admins block or unblock repositories.'
      : 'Only platform admins block or unblock accounts, and never their own.');
  }
}

/** A platform block: files are not served while it lasts; the page shows who, when and why. */
export async function blockRepository(deps: AppDeps, actor: Actor, repo: RepositoryRow, input: unknown, audit: AuditContext) {
  ensureModerator(actor, { type: 'moderation.block-repo' });
  const { reason } = parseInput(blockSchema, input);
  const { row, mails } = await deps.db.transaction((tx) => blockInTransaction(tx, deps, actor, repo, reason, audit));
  dispatchMail(deps, mails);
  return row;
}

/**
 * The block itself, in the caller's transaction (a misuse report's triage blocks in its own), with
 * its audit event and the publishers' notices. The caller must have checked `moderation.block-repo`
 * and dispatches the returned mail after commit.
 */
export async function blockInTransaction(tx: Db, deps: AppDeps, actor: Actor, repo: RepositoryRow, reason: string, audit: AuditContext, details: Record<string, unknown> = {}) {
  const moderatorId = actorUserId(actor)!;
  const now = deps.clock.now();
  const row = await markRepoBlocked(tx, repo.id, moderatorId, reason, now);
  if (!row) throw conflict('already_blocked', `${repo.namespace}/${repo.name} is blocked already. Unblock it first to change the reason.`);
  await recordAuditEvent(tx, { action: 'repo.blocked', actorUserId: moderatorId, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { reason, ...details } });
  const publishers = await listPublishers(tx, repo.namespace);
  const mails = await recordNotices(tx, deps, publishers.map((p) => blockedNotice(deps.config.baseUrl, repo, p, reason)), now);
  return { row, mails };
}

export async function unblockRepository(deps: AppDeps, actor: Actor, repo: RepositoryRow, input: unknown, audit: AuditContext) {
  const moderatorId = ensureModerator(actor, { type: 'moderation.block-repo' });
  const { reason } = parseInput(unblockSchema, input ?? {});
  const mails = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const before = await clearRepoBlock(tx, repo.id, now);
    if (!before) throw conflict('not_blocked', `${repo.namespace}/${repo.name} is not blocked.`);
    await recordAuditEvent(tx, { action: 'repo.unblocked', actorUserId: moderatorId, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { reason: reason ?? null, blockedSince: before.blockedAt?.toISOString() ?? null, blockedReason: before.blockedReason } });
    // The appeal has its answer: its thread is locked, and a later block's appeal starts afresh.
    const appeal = await findOpenAppeal(tx, repo.id);
    if (appeal) await setThreadLock(tx, appeal.id, { by: moderatorId, reason: `The block was lifted${reason ? `: ${reason}` : ''}.`, at: now });
    const publishers = await listPublishers(tx, repo.namespace);
    return recordNotices(tx, deps, publishers.map((p) => unblockedNotice(deps.config.baseUrl, repo, p, reason ?? null)), now);
  });
  dispatchMail(deps, mails);
}

async function loadTarget(deps: AppDeps, username: string) {
  const user = await findUserByUsername(deps.db, username);
  if (!user) throw notFound('user_not_found', `No user is named "${username}".`);
  return user;
}

/** Blocks an account: every policy refuses a blocked user, grants included, until unblocked. */
export async function blockUser(deps: AppDeps, actor: Actor, username: string, input: unknown, audit: AuditContext) {
  const target = await loadTarget(deps, username);
  const adminId = ensureModerator(actor, { type: 'moderation.block-user', targetUserId: target.id });
  const { reason } = parseInput(blockSchema, input);
  await deps.db.transaction(async (tx) => {
    if (!(await markUserBlocked(tx, target.id, reason, deps.clock.now()))) throw conflict('already_blocked', `${target.username} is blocked already.`);
    await recordAuditEvent(tx, { action: 'user.blocked', actorUserId: adminId, actorTokenId: actorTokenId(actor), ip: audit.ip, details: { user: target.username, userId: target.id, reason } });
  });
}

export async function unblockUser(deps: AppDeps, actor: Actor, username: string, input: unknown, audit: AuditContext) {
  const target = await loadTarget(deps, username);
  const adminId = ensureModerator(actor, { type: 'moderation.block-user', targetUserId: target.id });
  const { reason } = parseInput(unblockSchema, input ?? {});
  await deps.db.transaction(async (tx) => {
    if (!(await clearUserBlock(tx, target.id))) throw conflict('not_blocked', `${target.username} is not blocked.`);
    await recordAuditEvent(tx, { action: 'user.unblocked', actorUserId: adminId, actorTokenId: actorTokenId(actor), ip: audit.ip, details: { user: target.username, userId: target.id, reason: reason ?? null } });
  });
}
