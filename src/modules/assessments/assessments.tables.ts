import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../users/users.tables.ts';
import { ACCESS_LEVELS, repositories } from '../repos/repos.tables.ts';
import { ASSESSMENT_STATUSES, type AssessmentDraft } from './assessments.models.ts';

/**
 * A repository's risk–benefit assessment, one row per version. The editable draft has no version
 * number yet; submitting it gives it the next number and freezes its content for good. Later edits
 * start a new draft, so a submitted version is never overwritten. A moderator's decision is written
 * onto the version it decides (status, rationale, required level), never into its content.
 */
export const riskAssessments = pgTable(
  'risk_assessments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    repoId: uuid('repo_id').notNull().references(() => repositories.id, { onDelete: 'cascade' }),
    /** The release stage this assessment is for; null for the whole repository (stages come later). */
    stage: text('stage'),
    /** 1, 2, 3… per repository and stage once submitted; null while a draft. */
    version: integer('version'),
    status: text('status', { enum: ASSESSMENT_STATUSES }).notNull(),
    content: jsonb('content').$type<AssessmentDraft>().notNull(),
    createdBy: uuid('created_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    submittedBy: uuid('submitted_by').references(() => users.id),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    decidedBy: uuid('decided_by').references(() => users.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    /** The moderator's written rationale, published on the transparency page. */
    rationale: text('rationale'),
    /** With `stricter-level-required`: the level the moderator requires at least. */
    requiredLevel: text('required_level', { enum: ACCESS_LEVELS }),
  },
  (t) => [
    uniqueIndex('risk_assessments_version_idx').on(t.repoId, sql`coalesce(${t.stage}, '')`, t.version).where(sql`${t.version} is not null`),
    uniqueIndex('risk_assessments_one_draft_idx').on(t.repoId, sql`coalesce(${t.stage}, '')`).where(sql`${t.status} = 'draft'`),
    index('risk_assessments_status_idx').on(t.status),
  ],
);
