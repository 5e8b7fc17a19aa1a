import { bigserial, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { repositories } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';
import { MISUSE_CATEGORIES, REPORT_STATUSES, TRIAGE_ACTIONS } from './misuse.models.ts';

/**
 * A misuse report. A signed-in reporter is a user id; an anonymous one leaves an email and gets a
 * status link whose token is never stored: only its sha256 is.
 */
export const misuseReports = pgTable(
  'misuse_reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    repoId: uuid('repo_id').notNull().references(() => repositories.id, { onDelete: 'cascade' }),
    category: text('category', { enum: MISUSE_CATEGORIES }).notNull(),
    description: text('description').notNull(),
    evidenceLinks: jsonb('evidence_links').$type<string[]>().notNull(),
    reporterId: uuid('reporter_id').references(() => users.id),
    reporterEmail: text('reporter_email'),
    statusTokenHash: text('status_token_hash'),
    status: text('status', { enum: REPORT_STATUSES }).notNull().default('open'),
    /** The dismissal reason or the resolution note; shown to the reporter. */
    outcome: text('outcome'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('misuse_reports_token_idx').on(t.statusTokenHash),
    index('misuse_reports_queue_idx').on(t.status, t.createdAt),
    index('misuse_reports_reporter_idx').on(t.reporterId, t.createdAt),
  ],
);

/** Each step of a report, in order. `note` is for moderators (a message to the publisher, a reason). */
export const misuseReportEvents = pgTable(
  'misuse_report_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    reportId: uuid('report_id').notNull().references(() => misuseReports.id, { onDelete: 'cascade' }),
    actorId: uuid('actor_id').references(() => users.id),
    action: text('action', { enum: ['filed', ...TRIAGE_ACTIONS] }).notNull(),
    note: text('note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('misuse_report_events_report_idx').on(t.reportId, t.seq)],
);
