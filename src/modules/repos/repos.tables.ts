import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users, namespaces } from '../users/users.tables.ts';
import { blobs } from '../blobs/blobs.tables.ts';

export const ACCESS_LEVELS = ['open', 'agreement', 'reviewed', 'no-download'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];
export const REPO_TYPES = ['model', 'dataset'] as const;
export type RepoType = (typeof REPO_TYPES)[number];

export const repositories = pgTable(
  'repositories',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    type: text('type', { enum: REPO_TYPES }).notNull(),
    namespace: text('namespace').notNull().references(() => namespaces.name),
    name: text('name').notNull(),
    private: boolean('private').notNull().default(false),
    accessLevel: text('access_level', { enum: ACCESS_LEVELS }).notNull().default('open'),
    createdBy: uuid('created_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** A platform block overrides every access level (moderation). */
    blockedAt: timestamp('blocked_at', { withTimezone: true }),
    blockedBy: uuid('blocked_by').references(() => users.id),
    blockedReason: text('blocked_reason'),
  },
  (t) => [
    uniqueIndex('repositories_type_ns_name_idx').on(t.type, sql`lower(${t.namespace})`, sql`lower(${t.name})`),
    index('repositories_namespace_idx').on(t.namespace),
  ],
);

/** An immutable revision ("commit"). Its id is a 40-hex sha1 over its content and parent. */
export const revisions = pgTable(
  'revisions',
  {
    id: text('id').primaryKey(),
    repoId: uuid('repo_id').notNull().references(() => repositories.id, { onDelete: 'cascade' }),
    parentId: text('parent_id'),
    authorId: uuid('author_id').notNull().references(() => users.id),
    message: text('message').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    fileCount: integer('file_count').notNull(),
    totalSize: bigint('total_size', { mode: 'number' }).notNull(),
    /** Parsed YAML front matter of README.md at this revision (the model card metadata). */
    cardMetadata: jsonb('card_metadata').$type<Record<string, unknown>>(),
  },
  (t) => [index('revisions_repo_idx').on(t.repoId, t.createdAt)],
);

/** The full file tree of each revision. Rows are never updated. */
export const revisionFiles = pgTable(
  'revision_files',
  {
    revisionId: text('revision_id').notNull().references(() => revisions.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    blobSha256: text('blob_sha256').notNull().references(() => blobs.sha256),
    size: bigint('size', { mode: 'number' }).notNull(),
    /** Null for a file of 10 MiB or more, which is always LFS (see `needsGitSha1`). */
    gitSha1: text('git_sha1'),
    /** Served like a Git LFS file: ETag is the sha256 and the tree carries an `lfs` entry. */
    lfs: boolean('lfs').notNull(),
  },
  (t) => [primaryKey({ columns: [t.revisionId, t.path] }), index('revision_files_blob_idx').on(t.blobSha256)],
);

export const refs = pgTable(
  'refs',
  {
    repoId: uuid('repo_id').notNull().references(() => repositories.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['branch', 'tag'] }).notNull(),
    name: text('name').notNull(),
    revisionId: text('revision_id').notNull().references(() => revisions.id),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.repoId, t.kind, t.name] })],
);

/**
 * The blobs uploaded to each repository. Blobs are stored once for the whole platform, so a commit
 * may add only a blob uploaded to its own repository (or one its revisions already hold): knowing a
 * sha256, which any tree listing shows, must never copy a gated or private file into another repository.
 */
export const repoBlobs = pgTable(
  'repo_blobs',
  {
    repoId: uuid('repo_id').notNull().references(() => repositories.id, { onDelete: 'cascade' }),
    blobSha256: text('blob_sha256').notNull().references(() => blobs.sha256),
    uploadedBy: uuid('uploaded_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.repoId, t.blobSha256] })],
);
