import { bigint, integer, pgTable } from 'drizzle-orm/pg-core';

/**
 * One row whose value rises with every committed change to a table the download gate reads
 * (grants, applications, agreements and signatures, credentials, trainings, memberships, tokens,
 * users, repositories, refs). Database triggers bump it in the writer's own transaction (see
 * migration 0012 and `GATE_TABLES`), so any instance sharing the database sees a change the
 * moment it commits, whichever code path or process made it.
 */
export const accessEpoch = pgTable('access_epoch', {
  id: integer('id').primaryKey(),
  value: bigint('value', { mode: 'number' }).notNull(),
});
