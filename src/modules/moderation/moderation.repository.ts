import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { repositories } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';

/** Blocks a repository unless it is blocked already; returns the row, or undefined when it was. */
export async function markRepoBlocked(db: Db, repoId: string, by: string, reason: string, at: Date) {
  const [row] = await db.update(repositories).set({ blockedAt: at, blockedBy: by, blockedReason: reason, updatedAt: at })
    .where(and(eq(repositories.id, repoId), isNull(repositories.blockedAt))).returning();
  return row;
}

/** Lifts a block; returns the row as it was blocked (undefined when it was not blocked). */
export async function clearRepoBlock(db: Db, repoId: string, at: Date) {
  const [before] = await db.select().from(repositories).where(and(eq(repositories.id, repoId), isNotNull(repositories.blockedAt))).for('update');
  if (!before) return undefined;
  await db.update(repositories).set({ blockedAt: null, blockedBy: null, blockedReason: null, updatedAt: at }).where(eq(repositories.id, repoId));
  return before;
}

export async function markUserBlocked(db: Db, userId: string, reason: string, at: Date) {
  const [row] = await db.update(users).set({ blockedAt: at, blockedReason: reason }).where(and(eq(users.id, userId), isNull(users.blockedAt))).returning();
  return row;
}

export async function clearUserBlock(db: Db, userId: string) {
  const [row] = await db.update(users).set({ blockedAt: null, blockedReason: null }).where(and(eq(users.id, userId), isNotNull(users.blockedAt))).returning();
  return row;
}
