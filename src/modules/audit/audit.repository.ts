import { and, asc, desc, eq, gt, gte, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { auditChain, auditCheckpoints, auditEvents } from './audit.tables.ts';
import { enqueueForAuditEvent } from '../webhooks/webhooks.enqueue.ts';

export interface AuditContext {
  ip?: string | null;
  userAgent?: string | null;
}

export interface AuditEventInput {
  action: string;
  actorUserId?: string | null;
  actorTokenId?: string | null;
  repoId?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

/** Appends one event. Pass the open transaction so the event commits (or not) with its change. */
export async function recordAuditEvent(db: Db, event: AuditEventInput) {
  await db.insert(auditEvents).values({
    action: event.action,
    actorUserId: event.actorUserId ?? null,
    actorTokenId: event.actorTokenId ?? null,
    repoId: event.repoId ?? null,
    ip: event.ip ?? null,
    details: event.details ?? {},
  });
  // Webhooks announce some of these events; their outbox rows join this same transaction.
  await enqueueForAuditEvent(db, event);
}

const chainLockKey = 0x41697231; // "Air1": one chainer at a time, across every server instance.

/** Takes the transaction-scoped lock that serialises chain appends (only the chainer takes it). */
export const lockChain = (db: Db) => db.execute(sql`select pg_advisory_xact_lock(${chainLockKey})`);

export async function findChainHead(db: Db): Promise<{ position: number; hash: string } | undefined> {
  const [row] = await db.select({ position: auditChain.position, hash: auditChain.hash }).from(auditChain).orderBy(desc(auditChain.position)).limit(1);
  return row;
}

/**
 * Committed events not yet linked into the chain, oldest first: all of them, those numbered above
 * `afterSeq`, or those logged in the last `loggedWithinMinutes` by the database's clock (`at` is
 * always the database's `now()`, the inserting transaction's start).
 */
export function findUnchainedEvents(db: Db, limit: number, filter: { afterSeq?: number; loggedWithinMinutes?: number } = {}) {
  return db
    .select({ event: auditEvents })
    .from(auditEvents)
    .leftJoin(auditChain, eq(auditChain.eventSeq, auditEvents.seq))
    .where(and(
      isNull(auditChain.position),
      filter.afterSeq ? gt(auditEvents.seq, filter.afterSeq) : undefined,
      filter.loggedWithinMinutes ? sql`${auditEvents.at} >= now() - make_interval(mins => ${filter.loggedWithinMinutes})` : undefined,
    ))
    .orderBy(asc(auditEvents.seq))
    .limit(limit);
}

/** The highest event sequence number linked so far (0 for an empty chain); an index lookup. */
export const findLastChainedSeq = async (db: Db) =>
  Number((await db.select({ seq: sql<string | null>`max(${auditChain.eventSeq})` }).from(auditChain))[0]?.seq ?? 0);

export const insertChainLinks = (db: Db, links: (typeof auditChain.$inferInsert)[]) => db.insert(auditChain).values(links);

export async function insertCheckpoint(db: Db, checkpoint: typeof auditCheckpoints.$inferInsert) {
  const [row] = await db.insert(auditCheckpoints).values(checkpoint).returning();
  return row!;
}

export async function findLatestCheckpoint(db: Db) {
  const [row] = await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.position), desc(auditCheckpoints.id)).limit(1);
  return row;
}

export const listCheckpoints = (db: Db) => db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.position), asc(auditCheckpoints.id));

/** A page of the chain from `fromPosition` with the events it links (events may be missing). */
export function findChainPage(db: Db, fromPosition: number, limit: number) {
  return db
    .select({ link: auditChain, event: auditEvents })
    .from(auditChain)
    .leftJoin(auditEvents, eq(auditEvents.seq, auditChain.eventSeq))
    .where(gte(auditChain.position, fromPosition))
    .orderBy(asc(auditChain.position))
    .limit(limit);
}

export const countUnchainedEvents = async (db: Db) =>
  (await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents).leftJoin(auditChain, eq(auditChain.eventSeq, auditEvents.seq)).where(isNull(auditChain.position)))[0]?.n ?? 0;

/** The newest checkpoint that signs a Merkle root: the next one's range starts after it. */
export async function findLatestMerkleCheckpoint(db: Db) {
  const [row] = await db.select().from(auditCheckpoints).where(isNotNull(auditCheckpoints.merkleRoot)).orderBy(desc(auditCheckpoints.position), desc(auditCheckpoints.id)).limit(1);
  return row;
}

/** Link hashes of positions (fromPosition, toPosition], in order. */
export async function listChainHashes(db: Db, fromPosition: number, toPosition: number): Promise<string[]> {
  const hashes: string[] = [];
  for (let from = fromPosition; from < toPosition; ) {
    const rows = await db.select({ position: auditChain.position, hash: auditChain.hash }).from(auditChain)
      .where(and(gt(auditChain.position, from), lte(auditChain.position, toPosition))).orderBy(asc(auditChain.position)).limit(10_000);
    if (rows.length === 0) break;
    for (const row of rows) hashes.push(row.hash);
    from = rows[rows.length - 1]!.position;
  }
  return hashes;
}

/** Linked records of one repository after `afterPosition`, oldest first, optionally from a time on. */
export function findRepoChainPage(db: Db, repoId: string, options: { afterPosition: number; since?: Date; limit: number }) {
  return db
    .select({ link: auditChain, event: auditEvents })
    .from(auditEvents)
    .innerJoin(auditChain, eq(auditChain.eventSeq, auditEvents.seq))
    .where(and(eq(auditEvents.repoId, repoId), gt(auditChain.position, options.afterPosition), options.since ? gte(auditEvents.at, options.since) : undefined))
    .orderBy(asc(auditChain.position))
    .limit(options.limit);
}

/** The chain position of the newest linked record of one repository. */
export async function findRepoLastPosition(db: Db, repoId: string): Promise<number | null> {
  const [row] = await db.select({ position: sql<number | null>`max(${auditChain.position})::bigint` }).from(auditEvents).innerJoin(auditChain, eq(auditChain.eventSeq, auditEvents.seq)).where(eq(auditEvents.repoId, repoId));
  return row?.position == null ? null : Number(row.position);
}

export const listMerkleCheckpoints = (db: Db) =>
  db.select().from(auditCheckpoints).where(isNotNull(auditCheckpoints.merkleRoot)).orderBy(asc(auditCheckpoints.position), asc(auditCheckpoints.id));
