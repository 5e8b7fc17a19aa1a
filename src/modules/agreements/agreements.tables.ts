import { index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { repositories } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';

/** A use agreement: platform-wide, or one repository's. Its text lives in immutable versions. */
export const agreements = pgTable(
  'agreements',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    scope: text('scope', { enum: ['platform', 'repository'] }).notNull(),
    repoId: uuid('repo_id').references(() => repositories.id, { onDelete: 'restrict' }),
    title: text('title').notNull(),
    createdBy: uuid('created_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('agreements_repo_idx').on(t.repoId)],
);

export const agreementVersions = pgTable(
  'agreement_versions',
  {
    agreementId: uuid('agreement_id').notNull().references(() => agreements.id, { onDelete: 'restrict' }),
    version: integer('version').notNull(),
    text: text('text').notNull(),
    /** sha256 of `text` exactly as shown to signers. */
    textSha256: text('text_sha256').notNull(),
    createdBy: uuid('created_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.agreementId, t.version] })],
);

/** A signature is evidence: it is never updated or deleted (no route or use case does either). */
export const signatures = pgTable(
  'signatures',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'restrict' }),
    agreementId: uuid('agreement_id').notNull().references(() => agreements.id, { onDelete: 'restrict' }),
    version: integer('version').notNull(),
    textSha256: text('text_sha256').notNull(),
    signedName: text('signed_name').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    signedAt: timestamp('signed_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('signatures_user_version_idx').on(t.userId, t.agreementId, t.version), index('signatures_user_idx').on(t.userId, t.signedAt)],
);
