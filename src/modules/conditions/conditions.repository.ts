import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { grantConditions, platformConditions } from './conditions.tables.ts';

export type PlatformConditionRow = typeof platformConditions.$inferSelect;

export const listActivePlatformConditions = (db: Db) =>
  db.select().from(platformConditions).where(isNull(platformConditions.retiredAt)).orderBy(asc(platformConditions.createdAt));

export const insertPlatformCondition = async (db: Db, row: typeof platformConditions.$inferInsert) => (await db.insert(platformConditions).values(row).returning())[0]!;

/** Retires a condition that is still active; undefined when it is unknown or already retired. */
export const retirePlatformCondition = async (db: Db, id: string, by: string, at: Date) =>
  (await db.update(platformConditions).set({ retiredAt: at, retiredBy: by }).where(and(eq(platformConditions.id, id), isNull(platformConditions.retiredAt))).returning())[0];

export async function insertGrantConditions(db: Db, grantId: string, texts: { text: string; addedBy: string | null }[], at: Date) {
  if (texts.length === 0) return [];
  return db.insert(grantConditions).values(texts.map((t) => ({ grantId, text: t.text, addedBy: t.addedBy, createdAt: at }))).returning();
}

export const listGrantConditions = (db: Db, grantIds: string[]) =>
  grantIds.length === 0 ? Promise.resolve([]) : db.select().from(grantConditions).where(inArray(grantConditions.grantId, grantIds)).orderBy(asc(grantConditions.createdAt));
