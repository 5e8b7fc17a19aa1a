import { sql } from 'drizzle-orm';
import { bigserial, boolean, check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users, namespaces } from '../users/users.tables.ts';
import { repositories } from '../repos/repos.tables.ts';
import { grants } from '../access/access.tables.ts';
import { DELIVERY_STATUSES } from './webhooks.models.ts';

/**
 * A publisher's endpoint: for one repository or for every repository of an organisation (exactly
 * one of the two). The secret signs each payload (HMAC-SHA256); it is shown once, at creation.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    repoId: uuid('repo_id').references(() => repositories.id, { onDelete: 'cascade' }),
    namespace: text('namespace').references(() => namespaces.name, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    secret: text('secret').notNull(),
    /** The events this endpoint wants; empty means every event. */
    events: text('events').array().notNull().default(sql`'{}'::text[]`),
    createdBy: uuid('created_by').notNull().references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    index('webhook_endpoints_repo_idx').on(t.repoId),
    index('webhook_endpoints_namespace_idx').on(t.namespace),
    check('webhook_endpoints_one_scope', sql`(${t.repoId} is null) <> (${t.namespace} is null)`),
  ],
);

/**
 * The outbox: one row per event and endpoint, written in the transaction of the change that caused
 * it. Workers claim due rows with `FOR UPDATE SKIP LOCKED` and a lease, so each is sent by one
 * instance at a time; a crashed worker's lease runs out and the row is taken again.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    endpointId: uuid('endpoint_id').notNull().references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    event: text('event').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    lastError: text('last_error'),
    lastResponseStatus: integer('last_response_status'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt), index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.createdAt)],
);

/** Each try of a delivery: what the publisher sees as its history. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    deliveryId: uuid('delivery_id').notNull().references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    responseStatus: integer('response_status'),
    error: text('error'),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.seq)],
);

/** Platform-wide webhook settings (one row, id 1), changed by platform admins. */
export const webhookSettings = pgTable('webhook_settings', {
  id: integer('id').primaryKey(),
  /** Lets endpoints on loopback and private networks (and plain http) be registered and called. */
  allowPrivateTargets: boolean('allow_private_targets').notNull().default(false),
  updatedBy: uuid('updated_by').references(() => users.id),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/** Grants whose end has been announced as `access.expired`, so each is announced once. */
export const webhookGrantExpiries = pgTable('webhook_grant_expiries', {
  grantId: uuid('grant_id').primaryKey().references(() => grants.id, { onDelete: 'cascade' }),
  announcedAt: timestamp('announced_at', { withTimezone: true }).notNull(),
});
