import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { repositories } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';
import type { ThreadKind } from './discussions.models.ts';
import { discussionComments, discussionThreads } from './discussions.tables.ts';

export type ThreadRow = typeof discussionThreads.$inferSelect;
export type CommentRow = typeof discussionComments.$inferSelect;

export async function insertThread(db: Db, input: typeof discussionThreads.$inferInsert) {
  const [row] = await db.insert(discussionThreads).values(input).returning();
  return row!;
}

export async function insertComment(db: Db, input: typeof discussionComments.$inferInsert) {
  const [row] = await db.insert(discussionComments).values(input).returning();
  await db.update(discussionThreads).set({ lastActivityAt: input.createdAt }).where(eq(discussionThreads.id, input.threadId));
  return row!;
}

export const findThread = async (db: Db, id: string) => (await db.select().from(discussionThreads).where(eq(discussionThreads.id, id)).limit(1))[0];

/** Locks the thread row, so a comment and a lock cannot cross. */
export const lockThreadRow = async (db: Db, id: string) => (await db.select().from(discussionThreads).where(eq(discussionThreads.id, id)).limit(1).for('update'))[0];

export const listThreads = (db: Db, repoId: string, kinds: ThreadKind[]) =>
  db.select({ thread: discussionThreads, author: users.username }).from(discussionThreads).innerJoin(users, eq(users.id, discussionThreads.createdBy))
    .where(and(eq(discussionThreads.repoId, repoId), inArray(discussionThreads.kind, kinds))).orderBy(desc(discussionThreads.lastActivityAt)).limit(200);

/** The newest appeal thread of a repository (one per block is enough; later ones reuse it while it is open). */
export const findOpenAppeal = async (db: Db, repoId: string) =>
  (await db.select().from(discussionThreads).where(and(eq(discussionThreads.repoId, repoId), eq(discussionThreads.kind, 'appeal'), isNull(discussionThreads.lockedAt)))
    .orderBy(desc(discussionThreads.createdAt)).limit(1))[0];

/** Every appeal, with its repository, newest activity first: the moderators' side of the takedown flow. */
export const listAppeals = (db: Db) =>
  db.select({ thread: discussionThreads, repo: repositories }).from(discussionThreads).innerJoin(repositories, eq(repositories.id, discussionThreads.repoId))
    .where(eq(discussionThreads.kind, 'appeal')).orderBy(desc(discussionThreads.lastActivityAt)).limit(200);

export const listComments = (db: Db, threadId: string) =>
  db.select({ comment: discussionComments, author: users.username }).from(discussionComments).innerJoin(users, eq(users.id, discussionComments.authorId))
    .where(eq(discussionComments.threadId, threadId)).orderBy(asc(discussionComments.createdAt), asc(discussionComments.id));

export const findComment = async (db: Db, threadId: string, commentId: string) =>
  (await db.select().from(discussionComments).where(and(eq(discussionComments.id, commentId), eq(discussionComments.threadId, threadId))).limit(1).for('update'))[0];

export async function hideComment(db: Db, id: string, by: string, reason: string, at: Date) {
  const [row] = await db.update(discussionComments).set({ hiddenAt: at, hiddenBy: by, hiddenReason: reason }).where(and(eq(discussionComments.id, id), isNull(discussionComments.hiddenAt))).returning();
  return row;
}

export async function setThreadLock(db: Db, id: string, lock: { by: string; reason: string; at: Date } | null) {
  const [row] = await db.update(discussionThreads).set(lock ? { lockedAt: lock.at, lockedBy: lock.by, lockReason: lock.reason } : { lockedAt: null, lockedBy: null, lockReason: null })
    .where(eq(discussionThreads.id, id)).returning();
  return row!;
}

export async function usernamesOf(db: Db, ids: (string | null)[]) {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  const rows = wanted.length ? await db.select({ id: users.id, username: users.username }).from(users).where(inArray(users.id, wanted)) : [];
  return new Map(rows.map((r) => [r.id, r.username]));
}
