import { bigint, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Every blob the store holds, keyed by sha256. A row exists once the bytes are durably in the store;
 * a blob becomes "in use" only when a committed revision references it (see `revision_files`).
 */
export const blobs = pgTable('blobs', {
  sha256: text('sha256').primaryKey(),
  size: bigint('size', { mode: 'number' }).notNull(),
  /** Null for a blob of 10 MiB or more, which is always served through LFS (see `needsGitSha1`). */
  gitSha1: text('git_sha1'),
  /** For release manifests (mirrors and torrents are often checked by md5); computed on first need. */
  md5: text('md5'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
