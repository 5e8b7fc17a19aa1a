import { createHash, sign, verify, type KeyObject } from 'node:crypto';

/** Pure functions of the audit hash chain and its checkpoints. No I/O. */

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEventRecord {
  seq: number;
  at: Date;
  action: string;
  actorUserId: string | null;
  actorTokenId: string | null;
  repoId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** JSON with keys sorted at every depth, so the same event always serialises to the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const canonicalEvent = (event: AuditEventRecord) =>
  canonicalJson({
    seq: event.seq,
    at: event.at.toISOString(),
    action: event.action,
    actorUserId: event.actorUserId,
    actorTokenId: event.actorTokenId,
    repoId: event.repoId,
    ip: event.ip,
    details: event.details,
  });

/** The link hash: sha256 over the previous link's hash and the event's canonical form. */
export const linkHash = (prevHash: string, event: AuditEventRecord) =>
  createHash('sha256').update(prevHash).update('\n').update(canonicalEvent(event)).digest('hex');

export interface CheckpointStatement {
  position: number;
  headHash: string;
  keyId: string;
  createdAt: Date;
  /** Version 2: the Merkle root over the link hashes of positions (fromPosition, position]. */
  fromPosition?: number | null;
  merkleRoot?: string | null;
}

/**
 * The signed bytes. Version 1 (head hash only) stays verifiable; version 2 adds the range's
 * Merkle root, under its own prefix so a v1 signature can never be read as a v2 one.
 */
export const checkpointBytes = (c: CheckpointStatement) =>
  c.merkleRoot != null && c.fromPosition != null
    ? Buffer.from(`airlock-audit-checkpoint-v2\n${canonicalJson({ position: c.position, headHash: c.headHash, fromPosition: c.fromPosition, merkleRoot: c.merkleRoot, keyId: c.keyId, createdAt: c.createdAt.toISOString() })}`)
    : Buffer.from(`airlock-audit-checkpoint-v1\n${canonicalJson({ position: c.position, headHash: c.headHash, keyId: c.keyId, createdAt: c.createdAt.toISOString() })}`);

export const signCheckpoint = (statement: CheckpointStatement, privateKey: KeyObject) =>
  sign(null, checkpointBytes(statement), privateKey).toString('base64url');

export const verifyCheckpointSignature = (statement: CheckpointStatement, signature: string, publicKey: KeyObject) =>
  verify(null, checkpointBytes(statement), publicKey, Buffer.from(signature, 'base64url'));

export interface ChainLink {
  position: number;
  eventSeq: number;
  prevHash: string;
  hash: string;
}

export type ChainProblem =
  | { kind: 'missing-link'; position: number; message: string }
  | { kind: 'missing-event'; position: number; eventSeq: number; message: string }
  | { kind: 'altered'; position: number; eventSeq: number; message: string }
  | { kind: 'broken-link'; position: number; eventSeq: number; message: string }
  | { kind: 'bad-checkpoint'; position: number; message: string };

/**
 * Checks one link against the previous link's hash and the stored event. Returns the problem,
 * naming the record, or null when the link holds.
 */
export function checkLink(expectedPosition: number, previousHash: string, link: ChainLink | undefined, event: AuditEventRecord | undefined): ChainProblem | null {
  if (!link || link.position !== expectedPosition) {
    return { kind: 'missing-link', position: expectedPosition, message: `Chain position ${expectedPosition} is missing: a record was removed from the chain.` };
  }
  if (link.prevHash !== previousHash) {
    return { kind: 'broken-link', position: link.position, eventSeq: link.eventSeq, message: `Record ${link.eventSeq} (position ${link.position}) does not follow the record before it: records were inserted, removed or reordered here.` };
  }
  if (!event) {
    return { kind: 'missing-event', position: link.position, eventSeq: link.eventSeq, message: `Record ${link.eventSeq} (position ${link.position}) was deleted from the audit log.` };
  }
  if (linkHash(previousHash, event) !== link.hash) {
    return { kind: 'altered', position: link.position, eventSeq: link.eventSeq, message: `Record ${link.eventSeq} (position ${link.position}, ${event.action}) was altered after it was written.` };
  }
  return null;
}
