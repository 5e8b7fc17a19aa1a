import type { KeyObject } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { checkLink, GENESIS_HASH, linkHash, signCheckpoint, verifyCheckpointSignature, type ChainProblem } from './audit.models.ts';
import {
  countUnchainedEvents, findChainHead, findChainPage, findLastChainedSeq, findLatestCheckpoint, findLatestMerkleCheckpoint, findUnchainedEvents,
  insertChainLinks, insertCheckpoint, listChainHashes, listCheckpoints, lockChain,
} from './audit.repository.ts';
import { merkleRoot } from './audit.merkle.ts';

export interface SigningIdentity {
  privateKey: KeyObject;
  keyId: string;
}

/**
 * How far behind the newest linked event a `recent` pass looks for events whose transaction
 * committed late. An event later than that is linked by the next `lately` pass.
 */
export const STRAGGLER_WINDOW = 2_000;

/** How far back in time a `lately` pass looks (see `appendPendingToChain`). */
export const LATELY_MINUTES = 15;

/**
 * Which unlinked events a pass looks for:
 * - `all`: every event; an anti-join over the whole log, about 18 s at 10 million events.
 * - `recent`: the last `STRAGGLER_WINDOW` sequence numbers before the newest linked event and
 *   everything after it, through the indexes: milliseconds.
 * - `lately`: events logged in the last `LATELY_MINUTES`, whatever their number. Its cost follows
 *   the traffic of those minutes, not the size of the log.
 */
export type ChainScope = 'all' | 'recent' | 'lately';

/**
 * Links committed-but-unlinked events into the chain, oldest first, in batches. Only this step
 * takes the chain lock, so writers of events never wait for each other.
 *
 * The chainer's timer makes a `recent` pass every second and a `lately` pass every minute, so an
 * event whose transaction committed up to a quarter of an hour after it began is linked within a
 * minute. Flushes (a clean stop among them), exports and checkpoints asked for by an operator use
 * `all`, so nothing committed is ever left out of what they sign.
 */
export async function appendPendingToChain(db: Db, batchSize = 5000, scope: ChainScope = 'all', window = STRAGGLER_WINDOW): Promise<number> {
  let total = 0;
  for (;;) {
    const linked = await db.transaction(async (tx) => {
      await lockChain(tx);
      const head = await findChainHead(tx);
      const filter = scope === 'recent' ? { afterSeq: Math.max(0, (await findLastChainedSeq(tx)) - window) } : scope === 'lately' ? { loggedWithinMinutes: LATELY_MINUTES } : {};
      const pending = await findUnchainedEvents(tx, batchSize, filter);
      let position = head?.position ?? 0;
      let prevHash = head?.hash ?? GENESIS_HASH;
      const links = pending.map(({ event }) => {
        position += 1;
        const hash = linkHash(prevHash, event);
        const link = { position, eventSeq: event.seq, prevHash, hash };
        prevHash = hash;
        return link;
      });
      for (let i = 0; i < links.length; i += 2000) await insertChainLinks(tx, links.slice(i, i + 2000));
      return links.length;
    });
    total += linked;
    if (linked < batchSize) return total;
  }
}

/**
 * The most positions one checkpoint's Merkle range covers. Normal ranges are about 1,000 (the
 * chainer signs every 1,000 records); the cap bounds memory and each transaction's length when a
 * long chain has no version 2 checkpoint yet (one written before they existed, or bulk-loaded).
 */
export const MAX_CHECKPOINT_RANGE = 50_000;

/**
 * Chains what is pending, then signs the head. Returns the newest checkpoint, or null when the
 * chain is empty. A chain longer than one range since the last version 2 checkpoint gets several,
 * one range each, in order, each in its own short transaction.
 *
 * Several instances (and the CLI) may ask at once. Whether to sign is decided under the chain
 * lock: a head that is already signed is not signed again (the existing checkpoint is returned),
 * and with `minRange` (the chainer's "every 1,000 records") fewer new positions than that sign nothing.
 */
export async function writeCheckpoint(db: Db, key: SigningIdentity, clock: Clock, maxRange = MAX_CHECKPOINT_RANGE, minRange = 1, scope: ChainScope = 'all') {
  await appendPendingToChain(db, 5000, scope);
  for (let first = true; ; first = false) {
    const written = await db.transaction(async (tx) => {
      await lockChain(tx);
      const head = await findChainHead(tx);
      if (!head) return null;
      // Each version 2 checkpoint covers the positions since the previous one (or the start), so
      // every linked record falls in exactly one signed Merkle range.
      const latest = await findLatestMerkleCheckpoint(tx);
      if (latest && head.position - latest.position < (first ? minRange : 1)) return { checkpoint: latest, done: true };
      const fromPosition = Math.min(latest?.position ?? 0, head.position);
      const position = Math.min(head.position, fromPosition + maxRange);
      const hashes = await listChainHashes(tx, fromPosition, position);
      const headHash = position === head.position ? head.hash : hashes[hashes.length - 1]!;
      const statement = { position, headHash, fromPosition, merkleRoot: merkleRoot(hashes), keyId: key.keyId, createdAt: clock.now() };
      const checkpoint = await insertCheckpoint(tx, { ...statement, signature: signCheckpoint(statement, key.privateKey) });
      return { checkpoint, done: position === head.position };
    });
    if (!written) return null;
    if (written.done) return written.checkpoint;
  }
}

/** How often the chainer's timer makes a `lately` pass (see `appendPendingToChain`). */
const LATELY_PASS_EVERY_MS = 60_000;

/** Runs the chainer on a timer and writes a checkpoint every `checkpointEvery` linked records. */
export function startAuditChainer(options: { db: Db; key: SigningIdentity; clock: Clock; logger: Logger; intervalMs?: number; checkpointEvery?: number }) {
  const { db, key, clock, logger } = options;
  const checkpointEvery = options.checkpointEvery ?? 1000;
  let running: Promise<void> | null = null;
  let lastLatelyPass = Number.NEGATIVE_INFINITY;
  let flushing = false;
  const tick = () => {
    if (running) return running;
    running = (async () => {
      try {
        const lately = performance.now() - lastLatelyPass >= LATELY_PASS_EVERY_MS;
        if (lately) lastLatelyPass = performance.now();
        if ((await appendPendingToChain(db, 5000, flushing ? 'all' : lately ? 'lately' : 'recent')) === 0) return;
        const [head, latest] = [await findChainHead(db), await findLatestCheckpoint(db)];
        // Checked again under the chain lock: another instance's chainer may have just signed.
        if (head && head.position - (latest?.position ?? 0) >= checkpointEvery) await writeCheckpoint(db, key, clock, MAX_CHECKPOINT_RANGE, checkpointEvery, 'recent');
      } catch (error) {
        logger.error({ err: error }, 'audit chainer failed; it will retry');
      } finally {
        running = null;
      }
    })();
    return running;
  };
  const timer = setInterval(tick, options.intervalMs ?? 1000);
  timer.unref();
  return {
    /** Links everything pending now (used on shutdown and on demand). */
    flush: async () => {
      await running;
      flushing = true; // a flush looks at the whole log
      try {
        await tick();
      } finally {
        flushing = false;
      }
    },
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

export interface VerifyReport {
  ok: boolean;
  linked: number;
  checkpoints: number;
  unchained: number;
  problems: ChainProblem[];
}

/**
 * Walks the whole chain and every checkpoint. Stops at the first broken link (every later link
 * would be reported too) and names that record. `publicKeys` maps key ids to keys, retired ones included.
 */
export async function verifyAuditLog(db: Db, publicKeys: Map<string, KeyObject>): Promise<VerifyReport> {
  const problems: ChainProblem[] = [];
  const hashAt = new Map<number, string>();
  const checkpoints = await listCheckpoints(db);
  const wanted = new Set(checkpoints.map((c) => c.position));
  let previousHash = GENESIS_HASH;
  let position = 1;
  walk: for (;;) {
    const page = await findChainPage(db, position, 5000);
    if (page.length === 0) break;
    for (const { link, event } of page) {
      const problem = checkLink(position, previousHash, link, event ?? undefined);
      if (problem) {
        problems.push(problem);
        break walk;
      }
      if (wanted.has(link.position)) hashAt.set(link.position, link.hash);
      previousHash = link.hash;
      position += 1;
    }
  }
  const linked = position - 1;
  for (const checkpoint of checkpoints) {
    const key = publicKeys.get(checkpoint.keyId);
    const statement = { position: checkpoint.position, headHash: checkpoint.headHash, fromPosition: checkpoint.fromPosition, merkleRoot: checkpoint.merkleRoot, keyId: checkpoint.keyId, createdAt: checkpoint.createdAt };
    if (!key || !verifyCheckpointSignature(statement, checkpoint.signature, key)) {
      problems.push({ kind: 'bad-checkpoint', position: checkpoint.position, message: `Checkpoint ${checkpoint.id} at position ${checkpoint.position} has no valid signature${key ? '' : ` (unknown key ${checkpoint.keyId})`}.` });
    } else if (checkpoint.position <= linked && hashAt.get(checkpoint.position) !== checkpoint.headHash) {
      problems.push({ kind: 'bad-checkpoint', position: checkpoint.position, message: `The chain no longer matches signed checkpoint ${checkpoint.id} at position ${checkpoint.position}: records up to there were rewritten.` });
    } else if (checkpoint.position > linked && problems.length === 0) {
      problems.push({ kind: 'missing-link', position: linked + 1, message: `Signed checkpoint ${checkpoint.id} covers position ${checkpoint.position}, but the chain ends at ${linked}: records were removed from its end.` });
    } else if (checkpoint.merkleRoot != null && checkpoint.fromPosition != null && checkpoint.position <= linked
      && merkleRoot(await listChainHashes(db, checkpoint.fromPosition, checkpoint.position)) !== checkpoint.merkleRoot) {
      // The walk already checked every link; this catches links rewritten consistently inside a signed range.
      problems.push({ kind: 'bad-checkpoint', position: checkpoint.position, message: `The chain no longer matches the Merkle root of signed checkpoint ${checkpoint.id} (positions ${checkpoint.fromPosition + 1}–${checkpoint.position}): records there were rewritten.` });
    }
  }
  return { ok: problems.length === 0, linked, checkpoints: checkpoints.length, unchained: await countUnchainedEvents(db), problems };
}
