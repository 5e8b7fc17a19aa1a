import type { Pool, PoolClient } from 'pg';
import type { Db } from './client.ts';

/**
 * How many statements that could change what the download gate reads have been handed to the
 * embedded database's one connection. See `readBetweenWrites` (src/lib/fresh-read.ts) for why a
 * count taken when a statement is submitted is enough.
 */
export interface WriteCounter {
  readonly submitted: number;
}

/**
 * Inserts into these tables cannot change the access epoch: no trigger is defined on them, and an
 * insert cascades nowhere (a test checks the triggers). Downloads append to the first on every
 * transfer and the chainer links them into the second, so leaving them out keeps the gate's
 * epoch read off the path of every download.
 */
export const EPOCH_NEUTRAL_INSERT_TABLES: readonly string[] = ['audit_events', 'audit_chain'];

const SINGLE_SELECT = /^\s*select\s[^;]*;?\s*$/is;
const NEUTRAL_INSERT = new RegExp(`^\\s*insert\\s+into\\s+"(?:${EPOCH_NEUTRAL_INSERT_TABLES.join('|')})"\\s[^;]*;?\\s*$`, 'is');

/**
 * Whether a statement leaves the access epoch as it is. Conservative: one plain `select` (no
 * function of ours writes; the only functions in the schema are triggers) or one insert into a
 * table listed above. Anything else, `begin` and `commit` included, counts as a possible change.
 */
export function leavesEpochAlone(text: string): boolean {
  return SINGLE_SELECT.test(text) || NEUTRAL_INSERT.test(text);
}

const counters = new WeakMap<Db, WriteCounter>();

/** The counter of `db`'s connection, when `db` is the embedded database's single-connection pool. */
export const writeCounterOf = (db: Db): WriteCounter | undefined => counters.get(db);

/**
 * Counts, on every connection `pool` opens, the statements that may change the access epoch, at
 * the moment they are handed to the connection. Only for a pool of one connection that nothing
 * else writes through (the embedded database: the CLI reaches it through the running server).
 */
export function countWrites(pool: Pool): WriteCounter {
  const counter = { submitted: 0 };
  pool.on('connect', (client: PoolClient) => {
    // A replaced connection (after an error) may have left a statement behind: count it as a change.
    counter.submitted += 1;
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text?: string } | undefined;
      const text = typeof first === 'string' ? first : (first?.text ?? '');
      if (!leavesEpochAlone(text)) counter.submitted += 1;
      return query(...args);
    };
  });
  return counter;
}

/** Records that `db` runs on the pool `counter` watches. */
export const registerWriteCounter = (db: Db, counter: WriteCounter) => counters.set(db, counter);
