import type { AppDeps } from '../../app/deps.ts';
import type { Db } from '../../db/client.ts';
import { notFound } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { revokeActiveGrants } from '../access/access.repository.ts';
import { actorTokenId, actorUserId, type Actor } from '../access/actor.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { dispatchMail, recordNotices, type PendingMail } from '../notifications/notifications.usecases.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { findUserByUsername } from '../users/users.repository.ts';
import { revokeGrantSchema } from './applications.schemas.ts';
import { grantExpiryNotice, grantRevokedNotice } from './grants.mail.ts';
import { committeeConditionsOf, listPlatformConditions } from '../conditions/conditions.usecases.ts';
import { findPolicies } from './applications.repository.ts';
import { deleteReapplicationBlock, findNewestGrant, findReapplicationBlock, listGrantsOfUser, listGrantsToWarn, markGrantWarned, upsertReapplicationBlock } from './grants.repository.ts';

/** How long before a grant ends its holder is warned. */
export const GRANT_WARNING_DAYS = 14;

const repoPath = (repo: { type: string; namespace: string; name: string }) => `/${repo.type === 'dataset' ? 'datasets/' : ''}${repo.namespace}/${repo.name}`;

/**
 * A publisher revokes a user's access: the grant ends at once, the reason is recorded (the user
 * reads it in the download refusal, "my access" and a mail), and with `blockReapplication` the
 * user may not apply again until a publisher lifts the bar.
 */
export async function revokeGrant(deps: AppDeps, actor: Actor, repo: RepositoryRow, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(revokeGrantSchema, input);
  const now = deps.clock.now();
  const user = await findUserByUsername(deps.db, data.user);
  if (!user) throw notFound('user_not_found', `No user named "${data.user}".`, { field: 'user' });
  const reason = data.reason || null;
  const { revoked, mails } = await deps.db.transaction(async (tx) => {
    const revoked = await revokeActiveGrants(tx, { repoId: repo.id, userId: user.id, revokedBy: actorUserId(actor)!, reason, now });
    if (revoked === 0) throw notFound('grant_not_found', `${user.username} holds no active grant on ${repo.namespace}/${repo.name}.`, { field: 'user' });
    if (data.blockReapplication) {
      const grant = await findNewestGrant(tx, repo.id, user.id);
      await upsertReapplicationBlock(tx, { repoId: repo.id, userId: user.id, reason: reason!, grantId: grant?.id ?? null, blockedBy: actorUserId(actor)!, createdAt: now });
    }
    await recordAuditEvent(tx, { action: 'grant.revoked', actorUserId: actorUserId(actor), actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { user: user.username, reason, blockReapplication: data.blockReapplication } });
    const notice = grantRevokedNotice({ baseUrl: deps.config.baseUrl, user, repoId: `${repo.namespace}/${repo.name}`, repoPath: repoPath(repo), reason, barred: data.blockReapplication });
    return { revoked, mails: await recordNotices(tx, deps, [notice], now) };
  });
  dispatchMail(deps, mails);
  return { revoked, user, blocked: data.blockReapplication };
}

/** Lifts a bar on re-application. */
export async function liftReapplicationBlock(deps: AppDeps, actor: Actor, repo: RepositoryRow, username: string, audit: AuditContext = {}) {
  const user = await findUserByUsername(deps.db, username);
  if (!user) throw notFound('user_not_found', `No user named "${username}".`, { field: 'user' });
  await deps.db.transaction(async (tx) => {
    if ((await deleteReapplicationBlock(tx, repo.id, user.id)) === 0) throw notFound('block_not_found', `${user.username} is not barred from applying to ${repo.namespace}/${repo.name}.`, { field: 'user' });
    await recordAuditEvent(tx, { action: 'grant.reapplication_unblocked', actorUserId: actorUserId(actor), actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { user: user.username } });
  });
  return user;
}

export type LapsedGrant = { kind: 'revoked'; at: Date; reason: string | null; barred: boolean } | { kind: 'expired'; at: Date };

/**
 * Why the user's newest grant no longer lets them download, when it was revoked or has ended;
 * null when they never had one or it is still active. The gate names this in its refusal.
 */
export async function findLapsedGrant(db: Db, repoId: string, userId: string, now: Date): Promise<LapsedGrant | null> {
  const grant = await findNewestGrant(db, repoId, userId);
  if (!grant) return null;
  if (grant.revokedAt) {
    // "Replaced by a new grant" is bookkeeping, not a revocation the user needs to hear about.
    if (grant.revokeReason === 'replaced by a new grant') return null;
    return { kind: 'revoked', at: grant.revokedAt, reason: grant.revokeReason, barred: Boolean(await findReapplicationBlock(db, repoId, userId)) };
  }
  if (grant.endsAt && grant.endsAt <= now) return { kind: 'expired', at: grant.endsAt };
  return null;
}

/**
 * Warns every holder of a grant that ends within `GRANT_WARNING_DAYS`, in the app and by mail,
 * once per grant: the warning row is inserted in the transaction that records the notice, and only
 * the sweep whose insert wins sends. Runs with the trainings' expiry sweep.
 */
export async function sweepGrantExpiryWarnings(deps: AppDeps): Promise<number> {
  const now = deps.clock.now();
  const due = await listGrantsToWarn(deps.db, now, new Date(now.getTime() + GRANT_WARNING_DAYS * 86_400_000));
  const mails: PendingMail[] = [];
  for (const row of due) {
    const sent = await deps.db.transaction(async (tx) => {
      if (!(await markGrantWarned(tx, row.grant.id, now))) return [];
      return recordNotices(tx, deps, [grantExpiryNotice({ baseUrl: deps.config.baseUrl, user: row.user, repoId: `${row.repo.namespace}/${row.repo.name}`, repoPath: repoPath(row.repo), endsAt: row.grant.endsAt! })], now);
    });
    mails.push(...sent);
  }
  dispatchMail(deps, mails);
  return mails.length;
}

/** The user's grants, each with every condition that applies to it (platform, publisher, committee), loaded in batches. */
export async function loadMyGrants(deps: AppDeps, userId: string) {
  const rows = await listGrantsOfUser(deps.db, userId);
  const [committee, platform, policies] = await Promise.all([
    committeeConditionsOf(deps.db, rows.map((r) => r.grant.id)),
    listPlatformConditions(deps),
    findPolicies(deps.db, [...new Set(rows.map((r) => r.grant.repoId))]),
  ]);
  const publisher = new Map(policies.map((p) => [p.repoId, p.conditions]));
  return rows.map((row) => ({
    ...row,
    conditions: [
      ...platform.map((c) => ({ source: 'platform' as const, text: c.text })),
      ...(publisher.get(row.grant.repoId) ?? []).map((text) => ({ source: 'publisher' as const, text })),
      ...(committee.get(row.grant.id) ?? []).map((text) => ({ source: 'committee' as const, text })),
    ],
  }));
}

export type GrantState = 'active' | 'ended' | 'revoked' | 'replaced';

export function grantState(grant: { revokedAt: Date | null; revokeReason: string | null; endsAt: Date | null }, now: Date): GrantState {
  if (grant.revokedAt) return grant.revokeReason === 'replaced by a new grant' ? 'replaced' : 'revoked';
  return grant.endsAt && grant.endsAt <= now ? 'ended' : 'active';
}

export function presentMyGrants(rows: Awaited<ReturnType<typeof loadMyGrants>>, now: Date) {
  return rows.map(({ grant, repo, conditions }) => ({
    id: grant.id,
    repository: { type: repo.type, id: `${repo.namespace}/${repo.name}` },
    state: grantState(grant, now),
    startsAt: grant.startsAt.toISOString(),
    endsAt: grant.endsAt?.toISOString() ?? null,
    revokedAt: grant.revokedAt?.toISOString() ?? null,
    revokeReason: grant.revokedAt ? grant.revokeReason : null,
    /** Renewable: active or ended (not revoked) and with an end date. */
    renewable: !grant.revokedAt && grant.endsAt !== null,
    conditions,
  }));
}
