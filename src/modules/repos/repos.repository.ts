import { and, asc, desc, eq, ilike, inArray, or, sql } from 'drizzle-orm';
import { inBatches } from '../../db/batches.ts';
import type { Db } from '../../db/client.ts';
import { blobs } from '../blobs/blobs.tables.ts';
import { orgMembers, organizations } from '../orgs/orgs.tables.ts';
import { refs, repoBlobs, repositories, revisionFiles, revisions, type RepoType } from './repos.tables.ts';

export type RepositoryRow = typeof repositories.$inferSelect;
export type RevisionRow = typeof revisions.$inferSelect;
export type RevisionFileRow = typeof revisionFiles.$inferSelect;

export const findRepository = async (db: Db, type: RepoType, namespace: string, name: string) =>
  (await db.select().from(repositories).where(and(eq(repositories.type, type), sql`lower(${repositories.namespace}) = lower(${namespace})`, sql`lower(${repositories.name}) = lower(${name})`)).limit(1))[0];

export async function insertRepository(db: Db, input: typeof repositories.$inferInsert) {
  const [row] = await db.insert(repositories).values(input).returning();
  return row!;
}

export const updateRepository = (db: Db, id: string, set: Partial<typeof repositories.$inferInsert>) =>
  db.update(repositories).set({ ...set, updatedAt: new Date() }).where(eq(repositories.id, id));

export const findRef = async (db: Db, repoId: string, kind: 'branch' | 'tag', name: string) =>
  (await db.select().from(refs).where(and(eq(refs.repoId, repoId), eq(refs.kind, kind), eq(refs.name, name))).limit(1))[0];

export const listRefs = (db: Db, repoId: string) => db.select().from(refs).where(eq(refs.repoId, repoId)).orderBy(asc(refs.kind), asc(refs.name));

export const findRevision = async (db: Db, repoId: string, id: string) =>
  (await db.select().from(revisions).where(and(eq(revisions.repoId, repoId), eq(revisions.id, id))).limit(1))[0];

export const listRevisions = (db: Db, repoId: string, limit: number) =>
  db.select().from(revisions).where(eq(revisions.repoId, repoId)).orderBy(desc(revisions.createdAt)).limit(limit);

export const listRevisionFiles = (db: Db, revisionId: string) =>
  db.select().from(revisionFiles).where(eq(revisionFiles.revisionId, revisionId)).orderBy(asc(revisionFiles.path));

export const findRevisionFile = async (db: Db, revisionId: string, path: string) =>
  (await db.select().from(revisionFiles).where(and(eq(revisionFiles.revisionId, revisionId), eq(revisionFiles.path, path))).limit(1))[0];

export const findBlobs = (db: Db, sha256s: string[]) => inBatches(sha256s, (batch) => db.select().from(blobs).where(inArray(blobs.sha256, batch)));

export const upsertBlob = (db: Db, input: typeof blobs.$inferInsert) => db.insert(blobs).values(input).onConflictDoNothing();

/** Uploading the same bytes again refreshes `created_at`: garbage collection spares uploads younger than its grace period. */
export const recordRepoBlob = (db: Db, input: typeof repoBlobs.$inferInsert) =>
  db.insert(repoBlobs).values(input).onConflictDoUpdate({ target: [repoBlobs.repoId, repoBlobs.blobSha256], set: { createdAt: sql`now()` } });

/** Of `sha256s`, those a commit to `repoId` may add: uploaded to that repository, or in one of its revisions already. */
export async function findRepoBlobs(db: Db, repoId: string, sha256s: string[]): Promise<Set<string>> {
  const uploaded = await inBatches(sha256s, (batch) => db.select({ sha256: repoBlobs.blobSha256 }).from(repoBlobs).where(and(eq(repoBlobs.repoId, repoId), inArray(repoBlobs.blobSha256, batch))));
  const committed = await inBatches(sha256s, (batch) =>
    db
      .selectDistinct({ sha256: revisionFiles.blobSha256 })
      .from(revisionFiles)
      .innerJoin(revisions, eq(revisions.id, revisionFiles.revisionId))
      .where(and(eq(revisions.repoId, repoId), inArray(revisionFiles.blobSha256, batch))),
  );
  return new Set([...uploaded, ...committed].map((row) => row.sha256));
}

export async function insertRevisionWithFiles(db: Db, revision: typeof revisions.$inferInsert, files: (typeof revisionFiles.$inferInsert)[]) {
  await db.insert(revisions).values(revision);
  // Postgres caps bind parameters at 65535; 6 columns per row keeps batches well under it.
  for (let i = 0; i < files.length; i += 5000) await db.insert(revisionFiles).values(files.slice(i, i + 5000));
}

/**
 * Moves a branch from `expected` to `next` only if nobody moved it meanwhile (compare-and-set).
 * Returns false when another commit won the race.
 */
export async function moveBranch(db: Db, repoId: string, branch: string, expected: string | null, next: string): Promise<boolean> {
  if (expected === null) {
    const inserted = await db.insert(refs).values({ repoId, kind: 'branch', name: branch, revisionId: next }).onConflictDoNothing().returning({ name: refs.name });
    return inserted.length === 1;
  }
  const updated = await db
    .update(refs)
    .set({ revisionId: next, updatedAt: new Date() })
    .where(and(eq(refs.repoId, repoId), eq(refs.kind, 'branch'), eq(refs.name, branch), eq(refs.revisionId, expected)))
    .returning({ name: refs.name });
  return updated.length === 1;
}

export const upsertTag = (db: Db, repoId: string, name: string, revisionId: string) =>
  db.insert(refs).values({ repoId, kind: 'tag', name, revisionId }).onConflictDoUpdate({ target: [refs.repoId, refs.kind, refs.name], set: { revisionId, updatedAt: new Date() } });

/**
 * Candidate repositories for a listing: public ones, plus private ones in namespaces the user
 * belongs to. The caller still filters every row through the policy, so this query can only
 * narrow what the policy would allow, never widen it.
 */
export function listRepositoryCandidates(db: Db, options: { search?: string; type?: RepoType; userId?: string | null; username?: string | null; includeAllPrivate?: boolean; limit: number; offset: number }) {
  const memberNamespaces = options.userId
    ? db.select({ name: organizations.name }).from(orgMembers).innerJoin(organizations, eq(organizations.id, orgMembers.orgId)).where(eq(orgMembers.userId, options.userId))
    : null;
  const visibility = options.includeAllPrivate
    ? undefined
    : or(
        eq(repositories.private, false),
        options.username ? eq(repositories.namespace, options.username) : undefined,
        memberNamespaces ? inArray(repositories.namespace, memberNamespaces) : undefined,
      );
  const search = options.search ? ilike(sql`${repositories.namespace} || '/' || ${repositories.name}`, `%${options.search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`) : undefined;
  return db
    .select()
    .from(repositories)
    .where(and(visibility, search, options.type ? eq(repositories.type, options.type) : undefined))
    .orderBy(desc(repositories.updatedAt))
    .limit(options.limit)
    .offset(options.offset);
}
