import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../users/users.tables.ts';
import { repositories } from '../repos/repos.tables.ts';
import { agreements } from '../agreements/agreements.tables.ts';
import { APPLICATION_STATUSES } from '../applications/applications.models.ts';

/**
 * A user's access application for one repository (the Hub calls it an access request). Its
 * lifecycle is `applications.models.ts`; the Hub's owner API maps onto it: pending ≙ submitted or
 * returned, accepted ≙ approved, rejected ≙ rejected. At most one is open per user and repository.
 */
export const accessRequests = pgTable(
  'access_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    repoId: uuid('repo_id').notNull().references(() => repositories.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    status: text('status', { enum: APPLICATION_STATUSES }).notNull(),
    /** The research statement. */
    purpose: text('purpose'),
    fields: jsonb('fields').$type<Record<string, unknown>>().notNull().default({}),
    /** The repository agreement and version the applicant signed with this application. */
    agreementId: uuid('agreement_id').references(() => agreements.id),
    agreementVersion: integer('agreement_version'),
    /** Votes count per round; a return starts the next one. */
    round: integer('round').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decidedBy: uuid('decided_by').references(() => users.id),
    /** The reason of a rejection (shown to the applicant). */
    rejectionReason: text('rejection_reason'),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }),
  },
  (t) => [
    index('access_requests_repo_status_idx').on(t.repoId, t.status),
    index('access_requests_user_idx').on(t.userId),
    uniqueIndex('access_requests_one_open_idx').on(t.repoId, t.userId).where(sql`status in ('draft', 'submitted', 'returned')`),
    // The review queue: a page of the oldest submitted applications on a reviewer's repositories,
    // chosen by an index-only scan (every column the choice needs is in the key).
    index('access_requests_queue_idx').on(t.repoId, t.submittedAt, t.userId, t.id).where(sql`status = 'submitted'`),
  ],
);

/** A grant lets one user download one repository between `startsAt` and `endsAt`, until revoked. */
export const grants = pgTable(
  'grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    repoId: uuid('repo_id').notNull().references(() => repositories.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull().defaultNow(),
    endsAt: timestamp('ends_at', { withTimezone: true }),
    grantedBy: uuid('granted_by').notNull().references(() => users.id),
    requestId: uuid('request_id').references(() => accessRequests.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedBy: uuid('revoked_by').references(() => users.id),
    revokeReason: text('revoke_reason'),
  },
  (t) => [
    index('grants_repo_user_idx').on(t.repoId, t.userId),
    // The background sweeps look for live grants by their end (expiry warnings, `access.expired`
    // webhooks); without it each sweep read every grant (0.5 s at 500,000 grants).
    index('grants_live_ends_at_idx').on(t.endsAt).where(sql`${t.revokedAt} is null and ${t.endsAt} is not null`),
  ],
);
