import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { users } from '../users/users.tables.ts';
import { revisionFiles, revisions } from './repos.tables.ts';

/**
 * Every revision of a repository with its README.md (if any) and author, for the card history.
 * One row per revision: a repository's revisions number in the thousands at most, and walking
 * the parent chain in memory keeps the query a plain indexed join.
 */
export function listRevisionsWithReadme(db: Db, repoId: string) {
  return db
    .select({
      id: revisions.id, parentId: revisions.parentId, message: revisions.message, createdAt: revisions.createdAt,
      author: users.username, readmeSha256: revisionFiles.blobSha256, readmeSize: revisionFiles.size,
    })
    .from(revisions)
    .innerJoin(users, eq(users.id, revisions.authorId))
    .leftJoin(revisionFiles, and(eq(revisionFiles.revisionId, revisions.id), eq(revisionFiles.path, 'README.md')))
    .where(eq(revisions.repoId, repoId));
}
