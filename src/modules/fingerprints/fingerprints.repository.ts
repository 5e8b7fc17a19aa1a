import { and, eq, inArray, sql } from 'drizzle-orm';
import { inBatches } from '../../db/batches.ts';
import type { Db } from '../../db/client.ts';
import { repositories, revisionFiles, revisions } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';
import { fingerprintCopies, repositoryFingerprinting } from './fingerprints.tables.ts';

export type FingerprintCopyRow = typeof fingerprintCopies.$inferSelect;

export async function isFingerprintingEnabled(db: Db, repoId: string): Promise<boolean> {
  const [row] = await db.select({ enabled: repositoryFingerprinting.enabled }).from(repositoryFingerprinting).where(eq(repositoryFingerprinting.repoId, repoId));
  return row?.enabled ?? false;
}

export const saveFingerprinting = (db: Db, row: typeof repositoryFingerprinting.$inferInsert) =>
  db.insert(repositoryFingerprinting).values(row).onConflictDoUpdate({ target: repositoryFingerprinting.repoId, set: { enabled: row.enabled, updatedBy: row.updatedBy, updatedAt: row.updatedAt } });

const copyOf = (blobSha256: string, userId: string, scheme: string) =>
  and(eq(fingerprintCopies.blobSha256, blobSha256), eq(fingerprintCopies.userId, userId), eq(fingerprintCopies.scheme, scheme));

/** The recipient's copy of a blob made under `scheme`: a copy of another scheme holds other bytes. */
export async function findCopy(db: Db, blobSha256: string, userId: string, scheme: string): Promise<FingerprintCopyRow | undefined> {
  const [row] = await db.select().from(fingerprintCopies).where(copyOf(blobSha256, userId, scheme));
  return row;
}

/** Inserts a computed copy; of two racing computations (same bytes) the first row stays. */
export async function insertCopy(db: Db, row: typeof fingerprintCopies.$inferInsert): Promise<FingerprintCopyRow> {
  await db.insert(fingerprintCopies).values(row).onConflictDoNothing();
  return (await findCopy(db, row.blobSha256, row.userId, row.scheme))!;
}

export const saveCopyMd5 = (db: Db, blobSha256: string, userId: string, scheme: string, md5: string) =>
  db.update(fingerprintCopies).set({ md5 }).where(copyOf(blobSha256, userId, scheme));

export const findCopiesOf = (db: Db, userId: string, blobSha256s: string[]) =>
  inBatches(blobSha256s, (batch) => db.select().from(fingerprintCopies).where(and(eq(fingerprintCopies.userId, userId), inArray(fingerprintCopies.blobSha256, batch))));

/**
 * Every recipient on record for each fingerprinted blob under `scheme` (the marks a tracer can
 * read), optionally only blobs of one repository.
 */
export function listRecipients(db: Db, scheme: string, repoId?: string) {
  const inRepo = repoId
    ? inArray(fingerprintCopies.blobSha256, db.selectDistinct({ sha: revisionFiles.blobSha256 }).from(revisionFiles).innerJoin(revisions, eq(revisions.id, revisionFiles.revisionId)).where(eq(revisions.repoId, repoId)))
    : undefined;
  return db
    .select({ blobSha256: fingerprintCopies.blobSha256, userId: fingerprintCopies.userId, username: users.username })
    .from(fingerprintCopies)
    .innerJoin(users, eq(users.id, fingerprintCopies.userId))
    .where(and(eq(fingerprintCopies.scheme, scheme), inRepo));
}

/** Where a blob is published (one repository and path), for trace reports. */
export async function findPublication(db: Db, blobSha256: string): Promise<{ repo: string; path: string; size: number } | undefined> {
  const [row] = await db
    .select({ namespace: repositories.namespace, name: repositories.name, path: revisionFiles.path, size: revisionFiles.size })
    .from(revisionFiles)
    .innerJoin(revisions, eq(revisions.id, revisionFiles.revisionId))
    .innerJoin(repositories, eq(repositories.id, revisions.repoId))
    .where(eq(revisionFiles.blobSha256, blobSha256))
    .orderBy(sql`${revisions.createdAt} desc`)
    .limit(1);
  return row && { repo: `${row.namespace}/${row.name}`, path: row.path, size: row.size };
}
