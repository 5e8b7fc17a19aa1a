import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import type { Db } from '../../db/client.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { dateInput, parseInput } from '../../lib/validation.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { findUserByUsername } from '../users/users.repository.ts';
import { type Actor, actorTokenId, actorUserId } from './actor.ts';
import { isOpen, type ApplicationStatus } from '../applications/applications.models.ts';
import { applyForAccess, loadPolicy, recordTransition, type ApplicationActor } from '../applications/applications.usecases.ts';
import {
  findActiveGrant, findLatestRequest, insertAccessRequest, insertGrant, listAccessRequests,
  revokeActiveGrants, updateAccessRequest, type AccessRequestRow,
} from './access.repository.ts';
import { deleteReapplicationBlock } from '../applications/grants.repository.ts';

// The gate (facts, decision, user-facing error) lives in access.gate.ts; re-exported for callers.
export { ensureAuthorized, filterViewable, loadRepoFacts, repoUrl } from './access.gate.ts';

export const grantSchema = z.object({
  user: z.string().trim().min(1, 'name the user to grant'),
  until: dateInput().optional(),
});

async function findGrantee(db: Db, username: string) {
  const user = await findUserByUsername(db, username);
  if (!user) throw notFound('user_not_found', `No user named "${username}".`, { field: 'user' });
  return user;
}

/** Grants access directly (the owner's "grant" action): the user's latest application becomes approved, or one is created approved. */
export async function grantAccess(db: Db, actor: Actor, repo: RepositoryRow, input: unknown, audit: AuditContext = {}, now = new Date()) {
  const data = parseInput(grantSchema, input);
  if (data.until && data.until <= now) throw new AppError('invalid_input', 400, 'until: must be in the future.', { field: 'until' });
  return db.transaction(async (tx) => {
    const user = await findGrantee(tx, data.user);
    const existing = await findActiveGrant(tx, repo.id, user.id, now);
    if (existing) await revokeActiveGrants(tx, { repoId: repo.id, userId: user.id, revokedBy: actorUserId(actor)!, reason: 'replaced by a new grant', now });
    // As on the Hub, a granted user is on the accepted list, whether they asked first or not.
    const request = await decideAsPublisher(tx, actor, repo, user.id, 'approved', null, audit, now);
    const grant = await insertGrant(tx, { repoId: repo.id, userId: user.id, startsAt: now, endsAt: data.until ?? null, grantedBy: actorUserId(actor)!, requestId: request.id, createdAt: now });
    await recordAuditEvent(tx, { action: 'grant.created', actorUserId: actorUserId(actor), actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { user: user.username, grantId: grant.id, endsAt: grant.endsAt?.toISOString() ?? null } });
    // Granting directly is the publisher changing their mind about a barred user: the bar goes too,
    // or the user could hold a grant yet never renew it.
    if ((await deleteReapplicationBlock(tx, repo.id, user.id)) > 0) {
      await recordAuditEvent(tx, { action: 'grant.reapplication_unblocked', actorUserId: actorUserId(actor), actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { user: user.username, reason: 'granted directly' } });
    }
    return { grant, user };
  });
}

/**
 * A publisher's decision through the Hub's owner API, outside the committee's votes: the user's
 * latest application moves to `status` (created if there is none), recorded as an event.
 */
async function decideAsPublisher(tx: Db, actor: Actor, repo: RepositoryRow, userId: string, status: 'approved' | 'rejected' | 'submitted', reason: string | null, audit: AuditContext, now: Date): Promise<AccessRequestRow> {
  const who: ApplicationActor = { userId: actorUserId(actor), tokenId: actorTokenId(actor), role: 'publisher', audit };
  const action = status === 'submitted' ? 'reopened' : status;
  const decided = status === 'submitted' ? { decidedAt: null, decidedBy: null } : { decidedAt: now, decidedBy: actorUserId(actor) };
  const latest = await findLatestRequest(tx, repo.id, userId);
  if (!latest) {
    const created = await insertAccessRequest(tx, { repoId: repo.id, userId, status, fields: {}, rejectionReason: reason, createdAt: now, submittedAt: now, updatedAt: now, ...decided });
    await recordTransition(tx, created, who, { action, from: null, to: status, comment: reason, at: now });
    return created;
  }
  // "Pending" keeps an application that already waits (submitted or returned) as it is.
  if (status === 'submitted' && isOpen(latest.status)) return latest;
  // A reopened application starts a new round: earlier votes do not count again.
  const round = status === 'submitted' ? latest.round + 1 : latest.round;
  const updated = await updateAccessRequest(tx, latest.id, { status, rejectionReason: status === 'rejected' ? reason : null, round, updatedAt: now, ...(status === 'submitted' ? { submittedAt: now } : {}), ...decided });
  await recordTransition(tx, updated, who, { action, from: latest.status, to: status, comment: reason, at: now, details: { via: 'hub-owner-api' } });
  return updated;
}

export async function revokeAccess(db: Db, actor: Actor, repo: RepositoryRow, username: string, reason: string | null, audit: AuditContext = {}, now = new Date()) {
  return db.transaction(async (tx) => {
    const user = await findGrantee(tx, username);
    const revoked = await revokeActiveGrants(tx, { repoId: repo.id, userId: user.id, revokedBy: actorUserId(actor)!, reason, now });
    if (revoked === 0) throw notFound('grant_not_found', `${user.username} holds no active grant on ${repo.namespace}/${repo.name}.`, { field: 'user' });
    await recordAuditEvent(tx, { action: 'grant.revoked', actorUserId: actorUserId(actor), actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { user: user.username, reason } });
    return { revoked, user };
  });
}

export const handleSchema = z.object({
  user: z.string().trim().min(1, 'name the user whose request you handle'),
  status: z.enum(['accepted', 'rejected', 'pending']),
  rejectionReason: z.string().trim().max(2000).optional(),
});

/** The Hub's words for application statuses: pending ≙ submitted or returned, accepted ≙ approved. */
export const HUB_STATUSES = { pending: ['submitted', 'returned'], accepted: ['approved'], rejected: ['rejected'] } as const satisfies Record<string, readonly ApplicationStatus[]>;
export type HubStatus = keyof typeof HUB_STATUSES;

/**
 * The Hub's `user-access-request/handle`, as a publisher's decision: accept (approves and grants),
 * reject (revokes and records the reason) or move back to pending (revokes; the application waits again).
 */
export async function handleAccessRequest(db: Db, actor: Actor, repo: RepositoryRow, input: unknown, audit: AuditContext = {}, now = new Date()) {
  const data = parseInput(handleSchema, input);
  return db.transaction(async (tx) => {
    const user = await findGrantee(tx, data.user);
    await revokeActiveGrants(tx, { repoId: repo.id, userId: user.id, revokedBy: actorUserId(actor)!, reason: `request set to ${data.status}`, now });
    const status = ({ accepted: 'approved', rejected: 'rejected', pending: 'submitted' } as const)[data.status];
    const request = await decideAsPublisher(tx, actor, repo, user.id, status, data.status === 'rejected' ? data.rejectionReason ?? null : null, audit, now);
    if (data.status === 'accepted') {
      const { grantDurationDays } = await loadPolicy(tx, repo.id);
      const endsAt = grantDurationDays ? new Date(now.getTime() + grantDurationDays * 86_400_000) : null;
      await insertGrant(tx, { repoId: repo.id, userId: user.id, startsAt: now, endsAt, grantedBy: actorUserId(actor)!, requestId: request.id, createdAt: now });
    }
  });
}

/**
 * A user asks for access with the form, statement and signature of `input` (see `applyForAccess`):
 * granted at once at level `agreement`, sent to the reviewers at `reviewed`.
 */
export async function requestAccess(deps: AppDeps, actor: Actor & { kind: 'user' }, repo: RepositoryRow, input: unknown, audit: AuditContext = {}): Promise<AccessRequestRow> {
  return (await applyForAccess(deps, actor, repo, input, audit)).application;
}

export const listRequests = (db: Db, repo: RepositoryRow, status: HubStatus) => listAccessRequests(db, repo.id, [...HUB_STATUSES[status]]);
