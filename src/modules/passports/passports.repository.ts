import { and, asc, eq, gt, isNull, lte, or } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { grants } from '../access/access.tables.ts';
import { repositories } from '../repos/repos.tables.ts';
import { externalVisas, trustedBrokers } from './passports.tables.ts';

export type TrustedBrokerRow = typeof trustedBrokers.$inferSelect;
export type ExternalVisaRow = typeof externalVisas.$inferSelect;

/** Grants in force now on repositories that are not blocked: what `ControlledAccessGrants` visas assert. */
export function listActiveGrantsOf(db: Db, userId: string, now: Date) {
  return db
    .select({ startsAt: grants.startsAt, endsAt: grants.endsAt, repo: { type: repositories.type, namespace: repositories.namespace, name: repositories.name } })
    .from(grants)
    .innerJoin(repositories, eq(repositories.id, grants.repoId))
    .where(and(eq(grants.userId, userId), isNull(grants.revokedAt), lte(grants.startsAt, now), or(isNull(grants.endsAt), gt(grants.endsAt, now)), isNull(repositories.blockedAt)))
    .orderBy(asc(grants.startsAt), asc(grants.id));
}

export const listTrustedBrokers = (db: Db) => db.select().from(trustedBrokers).where(isNull(trustedBrokers.removedAt)).orderBy(asc(trustedBrokers.createdAt));

export const findTrustedBrokerByIssuer = async (db: Db, iss: string) =>
  (await db.select().from(trustedBrokers).where(and(eq(trustedBrokers.iss, iss), isNull(trustedBrokers.removedAt))).limit(1))[0];

export const findTrustedBroker = async (db: Db, id: string) =>
  (await db.select().from(trustedBrokers).where(and(eq(trustedBrokers.id, id), isNull(trustedBrokers.removedAt))).limit(1))[0];

export async function insertTrustedBroker(db: Db, input: typeof trustedBrokers.$inferInsert) {
  const [row] = await db.insert(trustedBrokers).values(input).returning();
  return row!;
}

export const removeTrustedBroker = (db: Db, id: string, now: Date) => db.update(trustedBrokers).set({ removedAt: now }).where(eq(trustedBrokers.id, id));

export async function insertExternalVisa(db: Db, input: typeof externalVisas.$inferInsert) {
  const [row] = await db.insert(externalVisas).values(input).returning();
  return row!;
}

/** Another account already holding a visa for this broker identity, if any. */
export const findOtherHolderOfSubject = async (db: Db, iss: string, sub: string, userId: string) =>
  (await db.select({ userId: externalVisas.userId }).from(externalVisas).where(and(eq(externalVisas.iss, iss), eq(externalVisas.sub, sub))).limit(5)).find((row) => row.userId !== userId);

/** The user's unexpired visas of one type whose broker is still trusted, newest first. */
export function listValidExternalVisas(db: Db, userId: string, type: string, now: Date) {
  return db
    .select({ visa: externalVisas, broker: { iss: trustedBrokers.iss } })
    .from(externalVisas)
    .innerJoin(trustedBrokers, and(eq(trustedBrokers.id, externalVisas.brokerId), isNull(trustedBrokers.removedAt)))
    .where(and(eq(externalVisas.userId, userId), eq(externalVisas.type, type), gt(externalVisas.expiresAt, now)))
    .orderBy(asc(externalVisas.expiresAt));
}
