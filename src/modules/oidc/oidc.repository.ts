import { and, eq, gt } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { oidcIdentities, oidcLogins } from './oidc.tables.ts';

export const insertLogin = (db: Db, row: typeof oidcLogins.$inferInsert) => db.insert(oidcLogins).values(row);

/** Takes a sign-in in progress once: the row is deleted as it is read, so a callback cannot be replayed. */
export const takeLogin = async (db: Db, stateHash: string, now: Date) =>
  (await db.delete(oidcLogins).where(and(eq(oidcLogins.stateHash, stateHash), gt(oidcLogins.expiresAt, now))).returning())[0];

export const findIdentity = async (db: Db, issuer: string, subject: string) =>
  (await db.select().from(oidcIdentities).where(and(eq(oidcIdentities.issuer, issuer), eq(oidcIdentities.subject, subject))).limit(1))[0];

export async function insertIdentity(db: Db, row: typeof oidcIdentities.$inferInsert) {
  const [saved] = await db.insert(oidcIdentities).values(row).returning();
  return saved!;
}

export const touchIdentity = (db: Db, id: string, now: Date) => db.update(oidcIdentities).set({ lastSignInAt: now }).where(eq(oidcIdentities.id, id));
