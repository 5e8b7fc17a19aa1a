import { and, desc, eq, gt, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { grants } from '../access/access.tables.ts';
import { repositories } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';
import { webhookAttempts, webhookDeliveries, webhookEndpoints, webhookGrantExpiries, webhookSettings } from './webhooks.tables.ts';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

// ---- Settings

export const findSettings = async (db: Db) => (await db.select().from(webhookSettings).where(eq(webhookSettings.id, 1)).limit(1))[0] ?? { id: 1, allowPrivateTargets: false, updatedBy: null, updatedAt: new Date(0) };

export const saveSettings = (db: Db, input: { allowPrivateTargets: boolean; updatedBy: string; updatedAt: Date }) =>
  db.insert(webhookSettings).values({ id: 1, ...input }).onConflictDoUpdate({ target: webhookSettings.id, set: input });

// ---- Endpoints

export async function insertEndpoint(db: Db, input: typeof webhookEndpoints.$inferInsert) {
  const [row] = await db.insert(webhookEndpoints).values(input).returning();
  return row!;
}

export const findEndpoint = async (db: Db, id: string) =>
  (await db.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.id, id), isNull(webhookEndpoints.deletedAt))).limit(1))[0];

export const listEndpointsOfRepo = (db: Db, repoId: string) =>
  db.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.repoId, repoId), isNull(webhookEndpoints.deletedAt))).orderBy(webhookEndpoints.createdAt);

export const listEndpointsOfNamespace = (db: Db, namespace: string) =>
  db.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.namespace, namespace), isNull(webhookEndpoints.deletedAt))).orderBy(webhookEndpoints.createdAt);

/** Deleting keeps the history; what was still waiting is given up. */
export async function deleteEndpoint(db: Db, id: string, now: Date) {
  await db.update(webhookEndpoints).set({ deletedAt: now }).where(eq(webhookEndpoints.id, id));
  await db.update(webhookDeliveries).set({ status: 'failed', lastError: 'endpoint deleted', leaseUntil: null })
    .where(and(eq(webhookDeliveries.endpointId, id), inArray(webhookDeliveries.status, ['pending', 'delivering'])));
}

// ---- Enqueueing (inside the transaction of the change)

/** Endpoints that hear about a repository: its own and its owner's, with what the payload names. */
export function findSubscribers(db: Db, repoId: string) {
  return db
    .select({ endpoint: { id: webhookEndpoints.id, events: webhookEndpoints.events }, repo: { id: repositories.id, type: repositories.type, namespace: repositories.namespace, name: repositories.name } })
    .from(repositories)
    .innerJoin(webhookEndpoints, and(isNull(webhookEndpoints.deletedAt), or(eq(webhookEndpoints.repoId, repositories.id), eq(webhookEndpoints.namespace, repositories.namespace))))
    .where(eq(repositories.id, repoId));
}

export const findUsernames = async (db: Db, ids: string[]) =>
  new Map(ids.length === 0 ? [] : (await db.select({ id: users.id, username: users.username }).from(users).where(inArray(users.id, ids))).map((u) => [u.id, u.username]));

export const insertDeliveries = (db: Db, rows: (typeof webhookDeliveries.$inferInsert)[]) => db.insert(webhookDeliveries).values(rows);

// ---- The worker

/**
 * Claims due deliveries (and ones whose worker's lease ran out) for this worker alone: rows locked
 * by another instance's claim are skipped, not waited for, and the lease keeps them out of later claims.
 */
export async function claimDue(db: Db, now: Date, leaseUntil: Date, limit: number): Promise<(DeliveryRow & { url: string; secret: string })[]> {
  const claimed = await db.execute<{ id: string }>(sql`
    update webhook_deliveries d set status = 'delivering', attempts = d.attempts + 1, lease_until = ${leaseUntil.toISOString()}::timestamptz
    from (
      select id from webhook_deliveries
      where (status = 'pending' and next_attempt_at <= ${now.toISOString()}::timestamptz) or (status = 'delivering' and lease_until < ${now.toISOString()}::timestamptz)
      order by next_attempt_at
      limit ${limit}
      for update skip locked
    ) due
    where d.id = due.id
    returning d.id`);
  const ids = (claimed as unknown as { rows: { id: string }[] }).rows.map((r) => r.id);
  if (ids.length === 0) return [];
  const rows = await db.select({ delivery: webhookDeliveries, url: webhookEndpoints.url, secret: webhookEndpoints.secret })
    .from(webhookDeliveries).innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId)).where(inArray(webhookDeliveries.id, ids));
  return rows.map((r) => ({ ...r.delivery, url: r.url, secret: r.secret }));
}

export const insertAttempt = (db: Db, input: typeof webhookAttempts.$inferInsert) => db.insert(webhookAttempts).values(input);

/** Settles a claimed delivery; only the holder of the claim (status `delivering`, same attempt) can. */
export const settleDelivery = (db: Db, id: string, attempts: number, set: Partial<typeof webhookDeliveries.$inferInsert>) =>
  db.update(webhookDeliveries).set({ ...set, leaseUntil: null }).where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, 'delivering'), eq(webhookDeliveries.attempts, attempts)));

export const countWaiting = async (db: Db) =>
  (await db.select({ n: sql<number>`count(*)::int` }).from(webhookDeliveries).where(inArray(webhookDeliveries.status, ['pending', 'delivering'])))[0]?.n ?? 0;

// ---- History

export const listDeliveries = (db: Db, endpointId: string, limit: number) =>
  db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId)).orderBy(desc(webhookDeliveries.createdAt)).limit(limit);

export const listAttempts = (db: Db, deliveryIds: string[]) =>
  deliveryIds.length === 0 ? Promise.resolve([]) : db.select().from(webhookAttempts).where(inArray(webhookAttempts.deliveryId, deliveryIds)).orderBy(webhookAttempts.seq);

// ---- Grant expiry

/** Grants that ended in the last week and were not revoked nor announced yet. */
export const findNewlyEndedGrants = (db: Db, now: Date, limit: number) =>
  db.select({ id: grants.id, repoId: grants.repoId, userId: grants.userId, endsAt: grants.endsAt })
    .from(grants)
    .leftJoin(webhookGrantExpiries, eq(webhookGrantExpiries.grantId, grants.id))
    .where(and(isNull(grants.revokedAt), isNotNull(grants.endsAt), lte(grants.endsAt, now), gt(grants.endsAt, new Date(now.getTime() - 7 * 86_400_000)), isNull(webhookGrantExpiries.grantId)))
    .limit(limit);

/** True for the one instance that records the announcement; the others skip the grant. */
export const markGrantAnnounced = async (db: Db, grantId: string, now: Date) =>
  (await db.insert(webhookGrantExpiries).values({ grantId, announcedAt: now }).onConflictDoNothing().returning()).length === 1;

/** The reference (type, owner, name) of the repository an endpoint belongs to. */
export async function findRepositoryRef(db: Db, id: string) {
  const [row] = await db.select({ type: repositories.type, namespace: repositories.namespace, name: repositories.name }).from(repositories).where(eq(repositories.id, id)).limit(1);
  if (!row) throw new Error(`webhook endpoint points at a missing repository ${id}`);
  return row;
}
