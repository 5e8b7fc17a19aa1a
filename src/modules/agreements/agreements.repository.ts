import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { preparedFor } from '../../db/prepared.ts';
import { repositories } from '../repos/repos.tables.ts';
import { agreements, agreementVersions, signatures } from './agreements.tables.ts';

export type AgreementRow = typeof agreements.$inferSelect;
export type AgreementVersionRow = typeof agreementVersions.$inferSelect;
export type SignatureRow = typeof signatures.$inferSelect;

export const findAgreementOfRepository = async (db: Db, repoId: string) =>
  (await db.select().from(agreements).where(eq(agreements.repoId, repoId)).limit(1))[0];

/**
 * The repository's agreement, its current version and whether the user signed that version, in one
 * round trip (the download gate asks this whenever its cache is cold).
 */
export async function findAgreementStanding(db: Db, repoId: string, userId: string) {
  // Prepared: the download gate asks this on every cold decision.
  const [row] = await preparedFor(db, 'find_agreement_standing', (d, name) => d
    .select({
      title: agreements.title,
      version: agreementVersions.version,
      signed: sql<boolean>`exists (select 1 from ${signatures} where ${signatures.userId} = ${sql.placeholder('userId')} and ${signatures.agreementId} = ${agreements.id} and ${signatures.version} = ${agreementVersions.version})`,
    })
    .from(agreements)
    .innerJoin(agreementVersions, eq(agreementVersions.agreementId, agreements.id))
    .where(eq(agreements.repoId, sql.placeholder('repoId')))
    .orderBy(desc(agreementVersions.version))
    .limit(1)
    .prepare(name)).execute({ repoId, userId });
  return row;
}

export const findAgreementById = async (db: Db, id: string) => (await db.select().from(agreements).where(eq(agreements.id, id)).limit(1))[0];

export async function insertAgreement(db: Db, input: typeof agreements.$inferInsert) {
  const [row] = await db.insert(agreements).values(input).returning();
  return row!;
}

export const updateAgreementTitle = (db: Db, id: string, title: string) => db.update(agreements).set({ title }).where(eq(agreements.id, id));

export const findCurrentVersion = async (db: Db, agreementId: string) =>
  (await db.select().from(agreementVersions).where(eq(agreementVersions.agreementId, agreementId)).orderBy(desc(agreementVersions.version)).limit(1))[0];

export async function insertVersion(db: Db, input: typeof agreementVersions.$inferInsert) {
  const [row] = await db.insert(agreementVersions).values(input).returning();
  return row!;
}

export const findSignature = async (db: Db, userId: string, agreementId: string, version: number) =>
  (await db.select().from(signatures).where(and(eq(signatures.userId, userId), eq(signatures.agreementId, agreementId), eq(signatures.version, version))).limit(1))[0];

export async function insertSignature(db: Db, input: typeof signatures.$inferInsert) {
  const [row] = await db.insert(signatures).values(input).onConflictDoNothing().returning();
  return row;
}

export function listSignaturesOfUser(db: Db, userId: string) {
  return db
    .select({ signature: signatures, agreement: { id: agreements.id, title: agreements.title, scope: agreements.scope }, repo: { type: repositories.type, namespace: repositories.namespace, name: repositories.name } })
    .from(signatures)
    .innerJoin(agreements, eq(agreements.id, signatures.agreementId))
    .leftJoin(repositories, eq(repositories.id, agreements.repoId))
    .where(eq(signatures.userId, userId))
    .orderBy(desc(signatures.signedAt));
}
