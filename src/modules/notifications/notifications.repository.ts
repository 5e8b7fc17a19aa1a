import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { notifications } from './notifications.tables.ts';

export type NotificationRow = typeof notifications.$inferSelect;

export async function insertNotifications(db: Db, rows: (typeof notifications.$inferInsert)[]) {
  if (rows.length === 0) return [];
  return db.insert(notifications).values(rows).returning();
}

export const markDelivered = (db: Db, id: string, at: Date) => db.update(notifications).set({ deliveredAt: at, deliveryError: null }).where(eq(notifications.id, id));

export const markDeliveryFailed = (db: Db, id: string, error: string) => db.update(notifications).set({ deliveryError: error }).where(eq(notifications.id, id));

export const listNotificationsOfUser = (db: Db, userId: string, limit: number) =>
  db.select().from(notifications).where(eq(notifications.userId, userId)).orderBy(desc(notifications.createdAt), desc(notifications.id)).limit(limit);

/** Mail not yet handed over (waiting or failed), for the metrics' queue depth. */
export const countUndeliveredMail = async (db: Db) =>
  (await db.select({ n: sql<number>`count(*)::int` }).from(notifications).where(isNull(notifications.deliveredAt)))[0]?.n ?? 0;

/** Marks the user's unread notifications read (all, or the given ones); returns how many changed. */
export async function markNotificationsRead(db: Db, userId: string, at: Date, ids?: string[]) {
  const rows = await db.update(notifications).set({ readAt: at })
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt), ...(ids ? [inArray(notifications.id, ids)] : [])))
    .returning({ id: notifications.id });
  return rows.length;
}
