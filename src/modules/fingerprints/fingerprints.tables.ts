import { bigint, boolean, index, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { blobs } from '../blobs/blobs.tables.ts';
import { repositories } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';

/** Whether a repository hands each recipient their own fingerprinted copy of `.safetensors` files. */
export const repositoryFingerprinting = pgTable('repository_fingerprinting', {
  repoId: uuid('repo_id').primaryKey().references(() => repositories.id, { onDelete: 'cascade' }),
  enabled: boolean('enabled').notNull(),
  updatedBy: uuid('updated_by').notNull().references(() => users.id),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/**
 * One row per (original blob, recipient, scheme) once their copy has been computed: its hashes,
 * served as ETag and in their manifest. It is also the record `airlock trace` draws its candidates
 * from. The scheme is part of the key: a copy made under an older marking holds other bytes, so its
 * hashes are never served for the current one, yet its row stays as the record of who received it.
 * Rows are never updated but for the md5, filled in when first needed.
 */
export const fingerprintCopies = pgTable(
  'fingerprint_copies',
  {
    blobSha256: text('blob_sha256').notNull().references(() => blobs.sha256),
    userId: uuid('user_id').notNull().references(() => users.id),
    scheme: text('scheme').notNull(),
    sha256: text('sha256').notNull(),
    /** Computed only when a personal manifest needs it, to keep the first request of a copy to one hash. */
    md5: text('md5'),
    size: bigint('size', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.blobSha256, t.userId, t.scheme] }), index('fingerprint_copies_user_idx').on(t.userId)],
);
