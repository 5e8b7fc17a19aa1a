import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { accessEpoch } from './access-epoch.tables.ts';
import { freshReader, readBetweenWrites } from '../../lib/fresh-read.ts';
import { writeCounterOf } from '../../db/write-counter.ts';

/**
 * The tables whose changes bump the access epoch, by trigger. Anything the gate's cached facts
 * are loaded from must be listed here and in a migration; a test compares this list with the
 * triggers that exist. Columns limit the trigger to changes that matter (a token's last-use time
 * changes every minute and decides nothing).
 */
export const GATE_TABLES: ReadonlyArray<{ table: string; columns?: readonly string[] }> = [
  { table: 'access_requests' },
  { table: 'agreement_versions' },
  { table: 'agreements' },
  { table: 'api_tokens', columns: ['user_id', 'scope', 'token_hash', 'expires_at', 'revoked_at'] },
  { table: 'credential_applications' },
  { table: 'credential_events' },
  { table: 'external_visas' },
  { table: 'grants' },
  { table: 'namespaces' },
  { table: 'org_members' },
  { table: 'organizations' },
  { table: 'reapplication_blocks' },
  { table: 'refs' },
  { table: 'release_stages' },
  { table: 'repo_access_policies' },
  { table: 'repositories' },
  { table: 'repository_fingerprinting' },
  { table: 'signatures' },
  { table: 'training_certificates' },
  { table: 'trusted_brokers' },
  { table: 'trainings' },
  { table: 'users', columns: ['username', 'email', 'display_name', 'platform_roles', 'blocked_at', 'blocked_reason'] },
];

const readers = new WeakMap<Db, () => Promise<number>>();

/**
 * The access epoch as of now; no request is ever judged at an epoch read made before a change it
 * should see. On the embedded database, which runs every statement of this process on one
 * connection, a read is reused until a statement that could change the epoch is handed to that
 * connection (`readBetweenWrites`), so downloads and HEADs make no query at all between changes:
 * each query there is a trip into PGlite's process costing about half a millisecond of its CPU.
 * Elsewhere (PostgreSQL, shared with other instances) concurrent requests share reads
 * (`freshReader`): one epoch query per round trip rather than one per request.
 */
export function readAccessEpoch(db: Db): Promise<number> {
  let read = readers.get(db);
  if (!read) {
    const load = async () => {
      const [row] = await db.select({ value: accessEpoch.value }).from(accessEpoch).where(eq(accessEpoch.id, 1));
      return row?.value ?? 0;
    };
    const writes = writeCounterOf(db);
    read = writes ? readBetweenWrites(load, () => writes.submitted) : freshReader(load);
    readers.set(db, read);
  }
  return read();
}

interface Entry<V> {
  epoch: number;
  value: V;
  /** The first instant at which time alone could change the value (a grant's end, say). */
  validUntil: number;
  /** Whether the entry was served since eviction last passed over it. */
  used: boolean;
}

/**
 * A bounded map of values loaded at an access epoch. A value is served only for the epoch it was
 * loaded at and before its `validUntil`; anything older is loaded again. Past `maxEntries`, entries
 * not served since eviction last passed over them are dropped first ("second chance", an
 * approximation of least recently used), so memory stays bounded whatever the traffic.
 *
 * A hit only marks its entry. Moving it to the young end of the map instead (delete, then set)
 * made V8 reallocate the map's table on every hit; those tables filled the old generation at about
 * 900 bytes per `HEAD /resolve`, and its collections paused the server for 5 to 15 ms every few
 * seconds under load (bench/NOTES.md, entry 20).
 */
export class EpochCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  constructor(private readonly maxEntries = 10_000) {}

  get(key: string, epoch: number, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.epoch !== epoch || now >= entry.validUntil) {
      this.entries.delete(key);
      return undefined;
    }
    entry.used = true;
    return entry.value;
  }

  set(key: string, epoch: number, value: V, validUntil = Number.POSITIVE_INFINITY) {
    this.entries.set(key, { epoch, value, validUntil, used: false });
    while (this.entries.size > this.maxEntries) {
      // Each pass over a used entry clears its mark, so this ends within one round of the map.
      const [oldestKey, oldest] = this.entries.entries().next().value!;
      this.entries.delete(oldestKey);
      if (oldest.used) {
        oldest.used = false;
        this.entries.set(oldestKey, oldest);
      }
    }
  }

  /** Drops the entry of `key`, if any (a value found to be bad after it was stored). */
  forget(key: string) {
    this.entries.delete(key);
  }

  /** Returns the cached value, or loads, stores and returns it. */
  async through(key: string, epoch: number, now: number, load: () => Promise<{ value: V; validUntil?: number }>): Promise<V> {
    const hit = this.get(key, epoch, now);
    if (hit !== undefined) return hit;
    const { value, validUntil } = await load();
    this.set(key, epoch, value, validUntil);
    return value;
  }

  get size() {
    return this.entries.size;
  }
}
