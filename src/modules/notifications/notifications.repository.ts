import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { mailOutbox, notifications } from './notifications.tables.ts';

export type NotificationRow = typeof notifications.$inferSelect;

export async function insertNotifications(db: Db, rows: (typeof notifications.$inferInsert)[]) {
  if (rows.length === 0) return [];
  return db.insert(notifications).values(rows).returning();
}

export const markDelivered = (db: Db, id: string, at: Date) => db.update(notifications).set({ deliveredAt: at, deliveryError: null }).where(eq(notifications.id, id));

export const markDeliveryFailed = (db: Db, id: string, error: string) => db.update(notifications).set({ deliveryError: error }).where(eq(notifications.id, id));

// ---- The mail outbox

export type OutboxRow = typeof mailOutbox.$inferSelect;

export async function insertOutboxMail(db: Db, rows: (typeof mailOutbox.$inferInsert)[]) {
  if (rows.length > 0) await db.insert(mailOutbox).values(rows);
}

/**
 * Claims due mail (and mail whose worker's lease ran out) for this worker alone: rows another
 * instance is claiming are skipped, not waited for, and the lease keeps them out of later claims.
 * Only rows sealed under `keyId` are taken: an instance without that key could not open them.
 */
export const claimDueMail = (db: Db, keyId: string, leaseMs: number, limit: number): Promise<OutboxRow[]> =>
  db.update(mailOutbox)
    .set({ status: 'sending', attempts: sql`${mailOutbox.attempts} + 1`, leaseUntil: sql`now() + ${leaseMs} * interval '1 millisecond'` })
    .where(sql`${mailOutbox.id} in (
      select id from mail_outbox
      where key_id = ${keyId} and ((status = 'pending' and next_attempt_at <= now()) or (status = 'sending' and lease_until < now()))
      order by next_attempt_at
      limit ${limit}
      for update skip locked)`)
    .returning();

/** Settles a claimed mail; only the holder of the claim (status `sending`, same attempt) can. True when it did. */
export async function settleOutboxMail(db: Db, claim: Pick<OutboxRow, 'id' | 'attempts'>, set: Partial<typeof mailOutbox.$inferInsert> & { retryInMs?: number }) {
  const { retryInMs, ...rest } = set;
  const rows = await db.update(mailOutbox)
    .set({ ...rest, leaseUntil: null, ...(retryInMs !== undefined ? { nextAttemptAt: sql`now() + ${retryInMs} * interval '1 millisecond'` } : {}) })
    .where(and(eq(mailOutbox.id, claim.id), eq(mailOutbox.status, 'sending'), eq(mailOutbox.attempts, claim.attempts)))
    .returning({ id: mailOutbox.id });
  return rows.length === 1;
}

/** Waiting rows sealed under another key than this instance's: they need an instance holding it. */
export const countMailUnderOtherKeys = async (db: Db, keyId: string) =>
  (await db.select({ n: sql<number>`count(*)::int` }).from(mailOutbox).where(and(inArray(mailOutbox.status, ['pending', 'sending']), sql`${mailOutbox.keyId} <> ${keyId}`)))[0]?.n ?? 0;

export const listNotificationsOfUser = (db: Db, userId: string, limit: number) =>
  db.select().from(notifications).where(eq(notifications.userId, userId)).orderBy(desc(notifications.createdAt), desc(notifications.id)).limit(limit);

/** Mail waiting in the outbox (due, retrying or being sent), for the metrics' queue depth. */
export const countUndeliveredMail = async (db: Db) =>
  (await db.select({ n: sql<number>`count(*)::int` }).from(mailOutbox).where(inArray(mailOutbox.status, ['pending', 'sending'])))[0]?.n ?? 0;

/** Marks the user's unread notifications read (all, or the given ones); returns how many changed. */
export async function markNotificationsRead(db: Db, userId: string, at: Date, ids?: string[]) {
  const rows = await db.update(notifications).set({ readAt: at })
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt), ...(ids ? [inArray(notifications.id, ids)] : [])))
    .returning({ id: notifications.id });
  return rows.length;
}
