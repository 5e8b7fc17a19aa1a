import { and, desc, eq, gt, isNotNull, isNull, lte } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { grants } from '../access/access.tables.ts';
import { repositories } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';
import { grantExpiryWarnings, reapplicationBlocks } from './applications.tables.ts';

export type GrantRow = typeof grants.$inferSelect;

export const findReapplicationBlock = async (db: Db, repoId: string, userId: string) =>
  (await db.select().from(reapplicationBlocks).where(and(eq(reapplicationBlocks.repoId, repoId), eq(reapplicationBlocks.userId, userId))).limit(1))[0];

export async function upsertReapplicationBlock(db: Db, row: typeof reapplicationBlocks.$inferInsert) {
  const { repoId, userId, ...set } = row;
  await db.insert(reapplicationBlocks).values(row).onConflictDoUpdate({ target: [reapplicationBlocks.repoId, reapplicationBlocks.userId], set });
}

export const deleteReapplicationBlock = async (db: Db, repoId: string, userId: string) =>
  (await db.delete(reapplicationBlocks).where(and(eq(reapplicationBlocks.repoId, repoId), eq(reapplicationBlocks.userId, userId))).returning()).length;

/** The user's newest grant on the repository, whatever its state (active, ended or revoked). */
export const findNewestGrant = async (db: Db, repoId: string, userId: string) =>
  (await db.select().from(grants).where(and(eq(grants.repoId, repoId), eq(grants.userId, userId))).orderBy(desc(grants.createdAt)).limit(1))[0];

/** Every grant of a user with its repository, newest first (the "my access" page). */
export const listGrantsOfUser = (db: Db, userId: string) =>
  db.select({ grant: grants, repo: { type: repositories.type, namespace: repositories.namespace, name: repositories.name } })
    .from(grants).innerJoin(repositories, eq(repositories.id, grants.repoId))
    .where(eq(grants.userId, userId)).orderBy(desc(grants.createdAt)).limit(200);

/** Active grants that end before `until` and have not been warned about. */
export const listGrantsToWarn = (db: Db, now: Date, until: Date) =>
  db.select({ grant: grants, user: { id: users.id, email: users.email, username: users.username }, repo: { type: repositories.type, namespace: repositories.namespace, name: repositories.name } })
    .from(grants)
    .innerJoin(users, eq(users.id, grants.userId))
    .innerJoin(repositories, eq(repositories.id, grants.repoId))
    .leftJoin(grantExpiryWarnings, eq(grantExpiryWarnings.grantId, grants.id))
    .where(and(isNull(grants.revokedAt), isNotNull(grants.endsAt), gt(grants.endsAt, now), lte(grants.endsAt, until), isNull(grantExpiryWarnings.grantId)))
    .limit(1000);

/** Marks a grant warned; false when another sweep already did (so only one sends). */
export const markGrantWarned = async (db: Db, grantId: string, at: Date) =>
  (await db.insert(grantExpiryWarnings).values({ grantId, warnedAt: at }).onConflictDoNothing().returning()).length > 0;
