import type { KeyObject } from 'node:crypto';
import { linkHash, verifyCheckpointSignature, type AuditEventRecord } from './audit.models.ts';
import { verifyInclusion } from './audit.merkle.ts';

/**
 * The JSON Lines export of one repository's audit records and its offline verification. Pure.
 *
 * Line 1 is a header; then each signed checkpoint a record relies on, before its first record;
 * then the records in chain order, each with its position, hash, previous hash and a Merkle
 * inclusion proof against its checkpoint. A verifier re-hashes each record, checks its proof
 * and the checkpoint's ed25519 signature with the published key set, and checks the links
 * between records that are next to each other in the chain. It cannot prove that the export is
 * complete: a record left out leaves no trace in the records that remain.
 */

export const EXPORT_FORMAT = 'airlock-audit-export';

export interface ExportHeader {
  type: 'header';
  format: typeof EXPORT_FORMAT;
  version: 1;
  repo: string;
  repoId: string;
  since: string | null;
  exportedAt: string;
}

export interface ExportCheckpoint {
  type: 'checkpoint';
  id: number;
  fromPosition: number;
  position: number;
  headHash: string;
  merkleRoot: string;
  keyId: string;
  createdAt: string;
  signature: string;
}

export interface ExportEvent {
  seq: number;
  at: string;
  action: string;
  actorUserId: string | null;
  actorTokenId: string | null;
  repoId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export interface ExportRecord {
  type: 'record';
  position: number;
  prevHash: string;
  hash: string;
  event: ExportEvent;
  proof: { checkpoint: number; path: string[] };
}

export type ExportLine = ExportHeader | ExportCheckpoint | ExportRecord;

export const toExportEvent = (event: AuditEventRecord): ExportEvent => ({
  seq: event.seq,
  at: event.at.toISOString(),
  action: event.action,
  actorUserId: event.actorUserId,
  actorTokenId: event.actorTokenId,
  repoId: event.repoId,
  ip: event.ip,
  details: event.details,
});

const fromExportEvent = (event: ExportEvent): AuditEventRecord => ({ ...event, at: new Date(event.at) });

export interface ExportProblem {
  line: number;
  message: string;
}

export interface ExportReport {
  ok: boolean;
  repo: string | null;
  records: number;
  checkpoints: number;
  problems: ExportProblem[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isHex64 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

function checkpointProblem(c: Record<string, unknown>, keys: Map<string, KeyObject>): string | null {
  if (!Number.isSafeInteger(c.id) || !Number.isSafeInteger(c.fromPosition) || !Number.isSafeInteger(c.position) || !isHex64(c.headHash) || !isHex64(c.merkleRoot) || typeof c.keyId !== 'string' || typeof c.createdAt !== 'string' || typeof c.signature !== 'string') {
    return 'is not a well-formed checkpoint';
  }
  const key = keys.get(c.keyId);
  if (!key) return `is signed with key ${c.keyId}, which is not in the key set`;
  const createdAt = new Date(c.createdAt);
  if (Number.isNaN(createdAt.getTime())) return 'has an invalid time';
  const statement = { position: c.position as number, headHash: c.headHash, fromPosition: c.fromPosition as number, merkleRoot: c.merkleRoot, keyId: c.keyId, createdAt };
  return verifyCheckpointSignature(statement, c.signature, key) ? null : 'has no valid signature: it was altered or not signed by this server';
}

function recordProblem(r: Record<string, unknown>, checkpoints: Map<number, ExportCheckpoint>): string | null {
  const event = r.event;
  if (!Number.isSafeInteger(r.position) || !isHex64(r.prevHash) || !isHex64(r.hash) || !isObject(event) || !isObject(r.proof)) return 'is not a well-formed record';
  if (!Number.isSafeInteger(event.seq) || typeof event.at !== 'string' || Number.isNaN(new Date(event.at).getTime()) || typeof event.action !== 'string' || !isObject(event.details)) return 'has a malformed event';
  if (linkHash(r.prevHash, fromExportEvent(event as unknown as ExportEvent)) !== r.hash) return 'was altered: its contents do not match its hash';
  const proof = r.proof;
  const checkpoint = checkpoints.get(proof.checkpoint as number);
  if (!checkpoint) return `cites checkpoint ${String(proof.checkpoint)}, which is not a valid signed checkpoint of this export`;
  const position = r.position as number;
  if (position <= checkpoint.fromPosition || position > checkpoint.position) return `is outside the range of checkpoint ${checkpoint.id}`;
  const path = Array.isArray(proof.path) && proof.path.every(isHex64) ? (proof.path as string[]) : null;
  if (!path || !verifyInclusion(r.hash, position - checkpoint.fromPosition - 1, checkpoint.position - checkpoint.fromPosition, path, checkpoint.merkleRoot)) {
    return `is not in the chain signed by checkpoint ${checkpoint.id}: its hash or position was altered`;
  }
  return null;
}

/**
 * A verifier fed one line at a time, so an export of any size is checked in constant memory
 * (apart from its checkpoints). `finish` gives the report; it names each record that fails.
 */
export function createExportVerifier(keys: Map<string, KeyObject>) {
  const problems: ExportProblem[] = [];
  const checkpoints = new Map<number, ExportCheckpoint>();
  let header: ExportHeader | null = null;
  let records = 0;
  let line = 0;
  let previous: { position: number; hash: string } | null = null;

  function feed(raw: string) {
    line += 1;
    if (raw.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      problems.push({ line, message: `Line ${line} is not JSON.` });
      return;
    }
    if (!isObject(parsed)) return void problems.push({ line, message: `Line ${line} is not a JSON object.` });
    if (line === 1 || parsed.type === 'header') {
      if (line !== 1 || parsed.type !== 'header' || parsed.format !== EXPORT_FORMAT) return void problems.push({ line, message: `Line ${line}: the export must start with its ${EXPORT_FORMAT} header, once.` });
      header = parsed as unknown as ExportHeader;
      return;
    }
    if (parsed.type === 'checkpoint') {
      const problem = checkpointProblem(parsed, keys);
      if (problem) problems.push({ line, message: `Checkpoint ${String(parsed.id)} (line ${line}) ${problem}.` });
      else checkpoints.set(parsed.id as number, parsed as unknown as ExportCheckpoint);
      return;
    }
    if (parsed.type !== 'record') return void problems.push({ line, message: `Line ${line} has an unknown type ${JSON.stringify(parsed.type)}.` });
    records += 1;
    const seq = isObject(parsed.event) ? String(parsed.event.seq) : '?';
    const name = `Record ${seq} (position ${String(parsed.position)}, line ${line})`;
    const problem = recordProblem(parsed, checkpoints);
    if (problem) return void problems.push({ line, message: `${name} ${problem}.` });
    const event = parsed.event as unknown as ExportEvent;
    if (header && event.repoId !== header.repoId) problems.push({ line, message: `${name} belongs to another repository than ${header.repo}.` });
    const position = parsed.position as number;
    if (previous && position <= previous.position) problems.push({ line, message: `${name} is out of chain order: records were reordered or duplicated.` });
    else if (previous && position === previous.position + 1 && parsed.prevHash !== previous.hash) problems.push({ line, message: `${name} does not follow the record before it.` });
    previous = { position, hash: parsed.hash as string };
  }

  function finish(): ExportReport {
    const all = header ? problems : [{ line: 1, message: `The file is not an ${EXPORT_FORMAT} (no header line).` }, ...problems];
    return { ok: all.length === 0, repo: (header as ExportHeader | null)?.repo ?? null, records, checkpoints: checkpoints.size, problems: all };
  }
  return { feed, finish };
}

/** Verifies a whole export held in memory (see `createExportVerifier`). */
export function verifyExport(text: string, keys: Map<string, KeyObject>): ExportReport {
  const verifier = createExportVerifier(keys);
  for (const raw of text.split('\n')) verifier.feed(raw);
  return verifier.finish();
}
