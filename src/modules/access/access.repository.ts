import { and, desc, eq, gt, inArray, isNull, lte, or, sql, type Placeholder } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { preparedFor } from '../../db/prepared.ts';
import { users } from '../users/users.tables.ts';
import { accessRequests, grants } from './access.tables.ts';

export type GrantRow = typeof grants.$inferSelect;
export type AccessRequestRow = typeof accessRequests.$inferSelect;

const activeGrantCondition = (now: Date | Placeholder) =>
  and(isNull(grants.revokedAt), lte(grants.startsAt, now), or(isNull(grants.endsAt), gt(grants.endsAt, now)));

export async function findActiveGrant(db: Db, repoId: string, userId: string, now: Date) {
  // Prepared: the download gate asks this on every cold decision.
  const [row] = await preparedFor(db, 'find_active_grant', (d, name) => d.select().from(grants)
    .where(and(eq(grants.repoId, sql.placeholder('repoId')), eq(grants.userId, sql.placeholder('userId')), activeGrantCondition(sql.placeholder('now'))))
    .limit(1).prepare(name)).execute({ repoId, userId, now });
  return row;
}

/** Of `repoIds`, those where the user holds an active grant now. */
export async function findActiveGrantRepoIds(db: Db, userId: string, repoIds: string[], now: Date) {
  if (repoIds.length === 0) return new Set<string>();
  const rows = await db.selectDistinct({ repoId: grants.repoId }).from(grants).where(and(eq(grants.userId, userId), inArray(grants.repoId, repoIds), activeGrantCondition(now)));
  return new Set(rows.map((r) => r.repoId));
}

/** The open application first (at most one exists), else the newest. */
const currentFirst = [sql`case when ${accessRequests.status} in ('draft', 'submitted', 'returned') then 0 else 1 end`, desc(accessRequests.createdAt), desc(accessRequests.updatedAt)];

/** The user's current application on the repository: the open one, else the newest. */
export async function findLatestRequest(db: Db, repoId: string, userId: string) {
  const [row] = await db.select().from(accessRequests).where(and(eq(accessRequests.repoId, repoId), eq(accessRequests.userId, userId))).orderBy(...currentFirst).limit(1);
  return row;
}

/** The status of the user's current application (as `findLatestRequest` picks it) on each of `repoIds` that has one. */
export async function findLatestRequestStatuses(db: Db, userId: string, repoIds: string[]) {
  if (repoIds.length === 0) return new Map<string, AccessRequestRow['status']>();
  const rows = await db.selectDistinctOn([accessRequests.repoId], { repoId: accessRequests.repoId, status: accessRequests.status }).from(accessRequests)
    .where(and(eq(accessRequests.userId, userId), inArray(accessRequests.repoId, repoIds))).orderBy(accessRequests.repoId, ...currentFirst);
  return new Map(rows.map((r) => [r.repoId, r.status]));
}

export async function insertGrant(db: Db, input: typeof grants.$inferInsert) {
  const [row] = await db.insert(grants).values(input).returning();
  return row!;
}

/** Revokes every active grant of a user on a repository; returns how many were revoked. */
export async function revokeActiveGrants(db: Db, input: { repoId: string; userId: string; revokedBy: string; reason: string | null; now: Date }) {
  const rows = await db
    .update(grants)
    .set({ revokedAt: input.now, revokedBy: input.revokedBy, revokeReason: input.reason })
    .where(and(eq(grants.repoId, input.repoId), eq(grants.userId, input.userId), isNull(grants.revokedAt)))
    .returning({ id: grants.id });
  return rows.length;
}

export async function insertAccessRequest(db: Db, input: typeof accessRequests.$inferInsert) {
  const [row] = await db.insert(accessRequests).values(input).returning();
  return row!;
}

export async function updateAccessRequest(db: Db, id: string, set: Partial<typeof accessRequests.$inferInsert>) {
  const [row] = await db.update(accessRequests).set(set).where(eq(accessRequests.id, id)).returning();
  return row!;
}

export function listAccessRequests(db: Db, repoId: string, statuses: AccessRequestRow['status'][]) {
  return db
    .select({ request: accessRequests, user: { username: users.username, displayName: users.displayName, email: users.email } })
    .from(accessRequests)
    .innerJoin(users, eq(users.id, accessRequests.userId))
    .where(and(eq(accessRequests.repoId, repoId), inArray(accessRequests.status, statuses)))
    .orderBy(desc(accessRequests.createdAt));
}

export const countActiveGrants = async (db: Db, repoId: string, now: Date) =>
  (await db.select({ n: sql<number>`count(*)::int` }).from(grants).where(and(eq(grants.repoId, repoId), activeGrantCondition(now))))[0]?.n ?? 0;
