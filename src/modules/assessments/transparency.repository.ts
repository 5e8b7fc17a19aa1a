import { and, desc, eq, gt, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { accessRequests, grants } from '../access/access.tables.ts';
import { auditEvents } from '../audit/audit.tables.ts';
import { users } from '../users/users.tables.ts';

/**
 * Aggregates for a repository's transparency page. Only counts and times leave these queries,
 * never who applied or downloaded; callers must still have checked that the repository is visible.
 */
export async function countApplications(db: Db, repoId: string) {
  const rows = await db.select({ status: accessRequests.status, n: sql<number>`count(*)::int` }).from(accessRequests)
    .where(and(eq(accessRequests.repoId, repoId), sql`${accessRequests.status} <> 'draft'`)).groupBy(accessRequests.status);
  const by = Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
  const n = (s: string) => by[s] ?? 0;
  return {
    received: rows.reduce((sum, r) => sum + r.n, 0),
    approved: n('approved'),
    rejected: n('rejected'),
    pending: n('submitted') + n('returned'),
    withdrawn: n('withdrawn'),
  };
}

/** Median hours from submission to decision over decided applications, or null when none. */
export async function medianDecisionHours(db: Db, repoId: string): Promise<number | null> {
  const [row] = await db.select({
    median: sql<number | null>`percentile_cont(0.5) within group (order by extract(epoch from (${accessRequests.decidedAt} - ${accessRequests.submittedAt})) / 3600.0)`,
  }).from(accessRequests).where(and(eq(accessRequests.repoId, repoId), isNotNull(accessRequests.decidedAt), isNotNull(accessRequests.submittedAt), inArray(accessRequests.status, ['approved', 'rejected'])));
  return row?.median === null || row?.median === undefined ? null : Math.round(Number(row.median) * 10) / 10;
}

export async function countActiveGrants(db: Db, repoId: string, now: Date): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(distinct ${grants.userId})::int` }).from(grants)
    .where(and(eq(grants.repoId, repoId), isNull(grants.revokedAt), sql`${grants.startsAt} <= ${now}`, or(isNull(grants.endsAt), gt(grants.endsAt, now))));
  return row?.n ?? 0;
}

export async function countDownloads(db: Db, repoId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(and(eq(auditEvents.repoId, repoId), eq(auditEvents.action, 'file.downloaded')));
  return row?.n ?? 0;
}

/**
 * The access level over time (creation, every change) and blocks/unblocks, from the audit log,
 * with who acted. Details are read field by field: nothing else in them is published.
 */
export async function listGovernanceEvents(db: Db, repoId: string) {
  // The newest 500, shown oldest first: a long history loses its beginning, not its present.
  const rows = await db.select({ at: auditEvents.at, action: auditEvents.action, details: auditEvents.details, actor: users.username }).from(auditEvents)
    .leftJoin(users, eq(users.id, auditEvents.actorUserId))
    .where(and(eq(auditEvents.repoId, repoId), inArray(auditEvents.action, ['repo.created', 'repo.settings_changed', 'repo.blocked', 'repo.unblocked'])))
    .orderBy(desc(auditEvents.seq)).limit(500);
  return rows.reverse();
}
