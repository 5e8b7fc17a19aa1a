import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../users/users.tables.ts';

/**
 * An external GA4GH Passport broker the platform admins trust: its visas are verified against the
 * key set at `jku` and nothing else (a visa's own `jku` header is never followed).
 */
export const trustedBrokers = pgTable(
  'trusted_brokers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    iss: text('iss').notNull(),
    jku: text('jku').notNull(),
    createdBy: uuid('created_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    /** Removing a broker keeps the row (visas point at it) but its visas stop counting at once. */
    removedAt: timestamp('removed_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('trusted_brokers_iss_idx').on(t.iss).where(sql`removed_at is null`)],
);

/**
 * A verified visa a user brought from a trusted broker. Only `ResearcherStatus` is accepted today;
 * it stands in for an Airlock credential until `expiresAt`. One broker identity (iss, sub) links to
 * one Airlock account, so the same visa cannot credential several accounts.
 */
export const externalVisas = pgTable(
  'external_visas',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    brokerId: uuid('broker_id').notNull().references(() => trustedBrokers.id),
    iss: text('iss').notNull(),
    sub: text('sub').notNull(),
    jti: text('jti'),
    type: text('type').notNull(),
    value: text('value').notNull(),
    source: text('source').notNull(),
    by: text('by'),
    assertedAt: timestamp('asserted_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('external_visas_user_idx').on(t.userId, t.type, t.expiresAt), index('external_visas_subject_idx').on(t.iss, t.sub)],
);
