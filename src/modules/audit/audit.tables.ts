import { bigint, bigserial, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Append-only record of security-relevant events, written in the same transaction as the change
 * it records. Rows are never updated. Inserting one takes no lock beyond the sequence, so busy
 * download servers do not serialise on the log; the hash chain is built behind them (`audit_chain`).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    action: text('action').notNull(),
    actorUserId: uuid('actor_user_id'),
    actorTokenId: uuid('actor_token_id'),
    repoId: uuid('repo_id'),
    ip: text('ip'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('audit_events_repo_idx').on(t.repoId, t.seq),
    index('audit_events_actor_idx').on(t.actorUserId, t.seq),
    // Admin search filters by action and by time, newest first (`/admin/audit`).
    index('audit_events_action_idx').on(t.action, t.seq),
    index('audit_events_at_idx').on(t.at),
  ],
);

/**
 * The hash chain over committed events, in the order the chainer linked them. Each link's hash
 * covers the previous link's hash and the event's canonical form, so altering, removing,
 * inserting or reordering any linked event breaks every later link.
 */
export const auditChain = pgTable('audit_chain', {
  position: bigint('position', { mode: 'number' }).primaryKey(),
  eventSeq: bigint('event_seq', { mode: 'number' }).notNull().unique(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

/**
 * Signed statements "the chain had this head hash at this position", with the server's ed25519 key.
 * Version 2 checkpoints also sign the Merkle root over the link hashes of positions
 * (`fromPosition`, `position`], so one exported record can be proven without the rest of the chain.
 */
export const auditCheckpoints = pgTable('audit_checkpoints', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  position: bigint('position', { mode: 'number' }).notNull(),
  headHash: text('head_hash').notNull(),
  /** Null on version 1 checkpoints (head hash only). */
  fromPosition: bigint('from_position', { mode: 'number' }),
  merkleRoot: text('merkle_root'),
  keyId: text('key_id').notNull(),
  signature: text('signature').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});
