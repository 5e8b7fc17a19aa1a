import { bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { accessRequests, grants } from '../access/access.tables.ts';
import { repositories } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';
import type { FormField } from './application-form.models.ts';
import type { DecisionRule } from './applications.models.ts';

/**
 * How a repository decides access applications. A repository without a row uses the defaults:
 * no credential needed, no minimum statement, grants without end, one approver, and the form
 * declared in the card's `extra_gated_fields`.
 */
export const repoAccessPolicies = pgTable('repo_access_policies', {
  repoId: uuid('repo_id').primaryKey().references(() => repositories.id, { onDelete: 'cascade' }),
  requiresCredential: boolean('requires_credential').notNull().default(false),
  /** Slugs of the trainings an applicant must hold a valid certificate for (see `src/modules/trainings`). */
  requiredTrainings: jsonb('required_trainings').$type<string[]>().notNull().default([]),
  minStatementLength: integer('min_statement_length').notNull().default(0),
  grantDurationDays: integer('grant_duration_days'),
  decisionRule: jsonb('decision_rule').$type<DecisionRule>().notNull().default({ kind: 'single' }),
  /** Null: take `extra_gated_fields` from the card metadata of `main`. */
  formFields: jsonb('form_fields').$type<FormField[]>(),
  /** The publisher's conditions (source `publisher`), shown with the agreement wherever access is explained. */
  conditions: jsonb('conditions').$type<string[]>().notNull().default([]),
  updatedBy: uuid('updated_by').references(() => users.id),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/** A repository's review committee. */
export const repoReviewers = pgTable(
  'repo_reviewers',
  {
    repoId: uuid('repo_id').notNull().references(() => repositories.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    addedBy: uuid('added_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.repoId, t.userId] }), index('repo_reviewers_user_idx').on(t.userId)],
);

export const APPLICATION_ACTOR_ROLES = ['applicant', 'reviewer', 'publisher', 'system'] as const;

/** Every transition of an application: who, when, from and to, and the comment the applicant sees. */
export const applicationEvents = pgTable(
  'application_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    applicationId: uuid('application_id').notNull().references(() => accessRequests.id, { onDelete: 'cascade' }),
    actorUserId: uuid('actor_user_id').references(() => users.id),
    actorRole: text('actor_role', { enum: APPLICATION_ACTOR_ROLES }).notNull(),
    action: text('action').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    comment: text('comment'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('application_events_application_idx').on(t.applicationId, t.seq)],
);

/** One reviewer's vote in one round. */
export const applicationVotes = pgTable(
  'application_votes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    applicationId: uuid('application_id').notNull().references(() => accessRequests.id, { onDelete: 'cascade' }),
    reviewerId: uuid('reviewer_id').notNull().references(() => users.id),
    round: integer('round').notNull(),
    decision: text('decision', { enum: ['approve', 'reject', 'return'] }).notNull(),
    comment: text('comment'),
    /** Special conditions an approving reviewer puts on the grant (source `committee`). */
    conditions: jsonb('conditions').$type<string[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('application_votes_once_idx').on(t.applicationId, t.reviewerId, t.round)],
);

/** A declared conflict of interest: the reviewer is recused from this application. */
export const applicationConflicts = pgTable(
  'application_conflicts',
  {
    applicationId: uuid('application_id').notNull().references(() => accessRequests.id, { onDelete: 'cascade' }),
    reviewerId: uuid('reviewer_id').notNull().references(() => users.id),
    reason: text('reason').notNull(),
    declaredAt: timestamp('declared_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.applicationId, t.reviewerId] })],
);

/** Reviewers' discussion of an application (not shown to the applicant). */
export const applicationComments = pgTable(
  'application_comments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    applicationId: uuid('application_id').notNull().references(() => accessRequests.id, { onDelete: 'cascade' }),
    authorId: uuid('author_id').notNull().references(() => users.id),
    text: text('text').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('application_comments_application_idx').on(t.applicationId, t.createdAt)],
);

/** A renewal: an application made while (or after) holding a grant that has an end, to extend it. */
export const applicationRenewals = pgTable('application_renewals', {
  applicationId: uuid('application_id').primaryKey().references(() => accessRequests.id, { onDelete: 'cascade' }),
  grantId: uuid('grant_id').notNull().references(() => grants.id, { onDelete: 'cascade' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

/** One expiry warning per grant: the row is the "sent once". */
export const grantExpiryWarnings = pgTable('grant_expiry_warnings', {
  grantId: uuid('grant_id').primaryKey().references(() => grants.id, { onDelete: 'cascade' }),
  warnedAt: timestamp('warned_at', { withTimezone: true }).notNull(),
});

/** A revocation that also bars the user from applying to the repository again, until a publisher lifts it. */
export const reapplicationBlocks = pgTable(
  'reapplication_blocks',
  {
    repoId: uuid('repo_id').notNull().references(() => repositories.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    reason: text('reason').notNull(),
    grantId: uuid('grant_id').references(() => grants.id),
    blockedBy: uuid('blocked_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.repoId, t.userId] })],
);
