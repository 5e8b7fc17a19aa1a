import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { grants } from '../access/access.tables.ts';
import { users } from '../users/users.tables.ts';

/**
 * Conditions are the terms a user must respect, each shown under its source:
 * `platform` (this table, set by platform admins), `publisher` (the repository's access policy,
 * `repo_access_policies.conditions`) and `committee` (special conditions on one grant, below).
 * Platform conditions are never deleted, only retired, so what a grantee was shown stays known.
 */
export const platformConditions = pgTable(
  'platform_conditions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    text: text('text').notNull(),
    createdBy: uuid('created_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    retiredAt: timestamp('retired_at', { withTimezone: true }),
    retiredBy: uuid('retired_by').references(() => users.id),
  },
  (t) => [index('platform_conditions_created_idx').on(t.createdAt)],
);

/** A committee's special condition on one grant, added by the reviewer who voted to approve. */
export const grantConditions = pgTable(
  'grant_conditions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    grantId: uuid('grant_id').notNull().references(() => grants.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    addedBy: uuid('added_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('grant_conditions_grant_idx').on(t.grantId)],
);
