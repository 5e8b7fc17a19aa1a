import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { fingerprintCopies } from '../fingerprints/fingerprints.tables.ts';
import { repoBlobs, revisionFiles } from '../repos/repos.tables.ts';
import { blobs } from './blobs.tables.ts';

/**
 * A blob is in use while a revision holds it, a fingerprinted copy was made from it (`airlock trace`
 * needs the original), or an upload of it is younger than the grace period (not yet committed).
 */
const unused = (cutoff: Date) => and(
  lt(blobs.createdAt, cutoff),
  sql`not exists (select 1 from ${revisionFiles} where ${revisionFiles.blobSha256} = ${blobs.sha256})`,
  sql`not exists (select 1 from ${fingerprintCopies} where ${fingerprintCopies.blobSha256} = ${blobs.sha256})`,
  sql`not exists (select 1 from ${repoBlobs} where ${repoBlobs.blobSha256} = ${blobs.sha256} and ${repoBlobs.createdAt} >= ${cutoff})`,
);

export const listUnusedBlobs = (db: Db, cutoff: Date) =>
  db.select({ sha256: blobs.sha256, size: blobs.size }).from(blobs).where(unused(cutoff)).orderBy(blobs.sha256);

export const listBlobShas = async (db: Db) => new Set((await db.select({ sha256: blobs.sha256 }).from(blobs)).map((r) => r.sha256));

/** Deletes the blob's row (and its stale upload records) if it is still unused; returns whether it did. */
export async function deleteUnusedBlob(db: Db, sha256: string, cutoff: Date): Promise<boolean> {
  await db.delete(repoBlobs).where(and(eq(repoBlobs.blobSha256, sha256), lt(repoBlobs.createdAt, cutoff)));
  const deleted = await db.delete(blobs).where(and(eq(blobs.sha256, sha256), unused(cutoff))).returning({ sha256: blobs.sha256 });
  return deleted.length === 1;
}


export const blobRowExists = async (db: Db, sha256: string) => (await db.select({ sha256: blobs.sha256 }).from(blobs).where(eq(blobs.sha256, sha256)).limit(1)).length === 1;
