import { and, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { namespaces, sessions, users } from './users.tables.ts';

export type UserRow = typeof users.$inferSelect;

export const findUserByUsername = async (db: Db, username: string) =>
  (await db.select().from(users).where(sql`lower(${users.username}) = lower(${username})`).limit(1))[0];

export const findUserByEmail = async (db: Db, email: string) =>
  (await db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`).limit(1))[0];

export const findUserById = async (db: Db, id: string) => (await db.select().from(users).where(eq(users.id, id)).limit(1))[0];

export const isNamespaceTaken = async (db: Db, name: string) =>
  (await db.select({ name: namespaces.name }).from(namespaces).where(sql`lower(${namespaces.name}) = lower(${name})`).limit(1)).length > 0;

export async function insertUser(db: Db, input: { username: string; email: string; displayName: string; passwordHash: string | null; platformRoles: string[] }) {
  await db.insert(namespaces).values({ name: input.username, kind: 'user' });
  const [row] = await db.insert(users).values(input).returning();
  return row!;
}

export const insertSession = (db: Db, input: { idHash: string; userId: string; expiresAt: Date }) => db.insert(sessions).values(input);

export async function findUserBySession(db: Db, idHash: string, now: Date) {
  const [row] = await db
    .select({ user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, now)))
    .limit(1);
  return row?.user;
}

export const deleteSession = (db: Db, idHash: string) => db.delete(sessions).where(eq(sessions.idHash, idHash));
