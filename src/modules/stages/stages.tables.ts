import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { repositories, ACCESS_LEVELS } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';

/**
 * A repository's release schedule: each stage names files (globs) or a revision, the access level
 * they are released at, and an optional embargo before which only the publisher may download
 * them. The first stage (by position) that matches a file decides it; files no stage matches
 * follow the repository's own level.
 */
export const releaseStages = pgTable(
  'release_stages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    repoId: uuid('repo_id').notNull().references(() => repositories.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    /** Globs over file paths (picomatch, `dot: true`); empty when the stage names a revision. */
    paths: text('paths').array().notNull(),
    /** The revision as the publisher named it, and the commit it resolved to when saved. */
    revision: text('revision'),
    revisionCommit: text('revision_commit'),
    accessLevel: text('access_level', { enum: ACCESS_LEVELS }).notNull(),
    embargoUntil: timestamp('embargo_until', { withTimezone: true }),
    createdBy: uuid('created_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('release_stages_repo_idx').on(t.repoId, t.position)],
);

export type ReleaseStageRow = typeof releaseStages.$inferSelect;
