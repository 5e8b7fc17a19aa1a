import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../users/users.tables.ts';

/**
 * Every message the platform mails is also kept here and shown in the app. A recipient outside
 * the platform (a reference) has no user id. A link that is itself a credential (a reference's
 * one-time link) is mailed but never stored: `link` then stays null.
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
