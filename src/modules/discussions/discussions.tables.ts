import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { repositories } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';
import { THREAD_KINDS } from './discussions.models.ts';

/** A thread on a repository. Locking stops new comments (moderators excepted) and keeps the reason. */
export const discussionThreads = pgTable(
  'discussion_threads',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    repoId: uuid('repo_id').notNull().references(() => repositories.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: THREAD_KINDS }).notNull().default('discussion'),
    title: text('title').notNull(),
    createdBy: uuid('created_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    /** The time of the newest comment: lists are ordered by activity. */
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull(),
    lockedAt: timestamp('locked_at', { withTimezone: true }),
    lockedBy: uuid('locked_by').references(() => users.id),
    lockReason: text('lock_reason'),
  },
  (t) => [index('discussion_threads_repo_idx').on(t.repoId, t.lastActivityAt)],
);

/** A comment in markdown, stored as typed and sanitized when rendered. Hidden, never deleted. */
export const discussionComments = pgTable(
  'discussion_comments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    threadId: uuid('thread_id').notNull().references(() => discussionThreads.id, { onDelete: 'cascade' }),
    authorId: uuid('author_id').notNull().references(() => users.id),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    hiddenAt: timestamp('hidden_at', { withTimezone: true }),
    hiddenBy: uuid('hidden_by').references(() => users.id),
    hiddenReason: text('hidden_reason'),
  },
  (t) => [index('discussion_comments_thread_idx').on(t.threadId, t.createdAt)],
);
