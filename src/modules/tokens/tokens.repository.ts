import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { users } from '../users/users.tables.ts';
import { apiTokens } from './tokens.tables.ts';

export type TokenRow = typeof apiTokens.$inferSelect;

export async function insertToken(db: Db, input: typeof apiTokens.$inferInsert) {
  const [row] = await db.insert(apiTokens).values(input).returning();
  return row!;
}

export async function findActiveTokenByHash(db: Db, tokenHash: string) {
  const [row] = await db
    .select({ token: apiTokens, user: users })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
    .limit(1);
  return row;
}

export const listTokensOfUser = (db: Db, userId: string) =>
  db.select().from(apiTokens).where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt))).orderBy(desc(apiTokens.createdAt));

export const findTokenById = async (db: Db, id: string) => (await db.select().from(apiTokens).where(eq(apiTokens.id, id)).limit(1))[0];

export const markTokenRevoked = (db: Db, id: string, at: Date) => db.update(apiTokens).set({ revokedAt: at }).where(eq(apiTokens.id, id));

export const touchToken = (db: Db, id: string, at: Date) => db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id));
