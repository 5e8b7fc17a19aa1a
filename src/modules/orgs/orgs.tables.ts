import { sql } from 'drizzle-orm';
import { pgTable, text, timestamp, uuid, primaryKey, uniqueIndex, index } from 'drizzle-orm/pg-core';
import { namespaces, users } from '../users/users.tables.ts';

export const organizations = pgTable(
  'organizations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull().references(() => namespaces.name),
    displayName: text('display_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // Names are looked up case-insensitively.
  (t) => [uniqueIndex('organizations_name_idx').on(t.name), index('organizations_name_lower_idx').on(sql`lower(${t.name})`)],
);

export const orgMembers = pgTable(
  'org_members',
  {
    orgId: uuid('org_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['admin', 'write', 'read'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index('org_members_user_idx').on(t.userId)],
);
