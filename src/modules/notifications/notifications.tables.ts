import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../users/users.tables.ts';

/**
 * Every message the platform mails is also kept here and shown in the app. A recipient outside
 * the platform (a reference) has no user id. A link that is itself a credential (a reference's
 * one-time link) is mailed but never stored here: `link` then stays null, and the link exists at
 * rest only sealed in the mail outbox, until the mail is sent.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    link: text('link'),
    readAt: timestamp('read_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    /** When the mail left (SMTP accepted it, or it was written to the outbox). */
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    /** Why the last delivery attempt failed (never the body). */
    deliveryError: text('delivery_error'),
  },
  (t) => [index('notifications_user_idx').on(t.userId, t.createdAt)],
);

export const MAIL_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;

/**
 * The mail outbox: one row per notice that is mailed, written in the transaction of the change.
 * Every instance's worker claims due rows with `FOR UPDATE SKIP LOCKED` and a lease, so each mail
 * is handed to the mail server by one instance; a claim whose worker died is taken again when its
 * lease runs out. The body can hold a one-time link, so it is kept sealed (AES-256-GCM under
 * `<data>/keys/mail-key`, named by `keyId`) and erased once the mail is sent or given up; the
 * recipient, subject, status and times stay as the history.
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: uuid('id').primaryKey(),
    notificationId: uuid('notification_id').notNull().unique().references(() => notifications.id, { onDelete: 'cascade' }),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    /** base64 of the sealed text; null once sent or failed. */
    sealedBody: text('sealed_body'),
    keyId: text('key_id').notNull(),
    status: text('status', { enum: MAIL_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** Scheduling uses the database's clock, so instances with skewed clocks agree on what is due. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().default(sql`now()`),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [index('mail_outbox_due_idx').on(t.status, t.nextAttemptAt)],
);
