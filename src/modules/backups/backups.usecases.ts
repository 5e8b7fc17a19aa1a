import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createGunzip, createGzip } from 'node:zlib';
import type { AppDeps } from '../../app/deps.ts';
import type { Db } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';
import { BACKUP_FORMAT, BACKUP_VERSION, backupHeaderSchema, backupLineSchema, dependencyOrder, migrationMismatch, type BackupHeader } from './backups.models.ts';
import { countRows, insertRows, listForeignKeys, listMigrations, listTables, readAccessEpoch, readRows, resetSequences, setAccessEpoch, truncateTables } from './backups.repository.ts';

const PAGE = 2000;
const INSERT_BATCH = 500;

export interface BackupSummary { tables: number; rows: number; blobs: number; blobBytes: number }

/**
 * Writes every table of the database, in foreign-key order, from one consistent snapshot, to a
 * gzipped JSON-lines file (0600: it holds password hashes and personal data), then the blob index.
 * Blob bytes are not included: they are immutable and content-addressed, so copying
 * `AIRLOCK_DATA/blobs` (rsync, object-store replication) is cheaper and can run at any time.
 */
export async function createBackup(deps: AppDeps, file: string): Promise<BackupSummary> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
  const gzip = createGzip();
  const out = createWriteStream(temp, { flags: 'wx', mode: 0o600 });
  const done = new Promise<void>((resolve, reject) => { out.once('finish', resolve).once('error', reject); gzip.once('error', reject); });
  gzip.pipe(out);
  const write = async (value: unknown) => {
    if (!gzip.write(JSON.stringify(value) + '\n')) await once(gzip, 'drain');
  };
  const summary: BackupSummary = { tables: 0, rows: 0, blobs: 0, blobBytes: 0 };
  try {
    await deps.db.transaction(async (tx) => {
      const order = dependencyOrder(await listTables(tx), await listForeignKeys(tx));
      const tables = [];
      for (const name of order) tables.push({ name, rows: await countRows(tx, name) });
      const header: BackupHeader = { format: BACKUP_FORMAT, version: BACKUP_VERSION, createdAt: deps.clock.now().toISOString(), migrations: await listMigrations(tx), tables };
      await write(header);
      for (const { name } of tables) {
        for (let after = '(0,0)'; ;) {
          const page = await readRows(tx, name, after, PAGE);
          for (const { row } of page) {
            const r = JSON.parse(row) as Record<string, unknown>;
            await write({ t: name, r });
            if (name === 'blobs') {
              await write({ blob: r.sha256, size: Number(r.size) });
              summary.blobs += 1;
              summary.blobBytes += Number(r.size);
            }
          }
          summary.rows += page.length;
          if (page.length < PAGE) break;
          after = page[page.length - 1]!.ctid;
        }
      }
      summary.tables = tables.length;
      await write({ end: true, rows: summary.rows, blobs: summary.blobs });
    }, { isolationLevel: 'repeatable read', accessMode: 'read only' });
    gzip.end();
    await done;
    const handle = await fs.open(temp, 'r');
    await handle.sync().finally(() => handle.close());
    await fs.rename(temp, file);
    return summary;
  } catch (error) {
    gzip.destroy();
    out.destroy();
    await fs.rm(temp, { force: true });
    throw error;
  }
}

export interface RestoreSummary extends BackupSummary { missingBlobs: string[] }

const bad = (message: string) => new AppError('invalid_backup', 400, message, { field: 'file' });

/** Whether the database holds anyone's data (the rows every install seeds itself do not count). */
async function holdsData(db: Db) {
  const tables = new Set(await listTables(db));
  for (const table of ['users', 'repositories', 'audit_events']) if (tables.has(table) && (await countRows(db, table)) > 0) return true;
  return false;
}

/**
 * Replaces the whole database with a backup, in one transaction: a damaged or truncated file
 * changes nothing. Refuses a database that holds data unless `force`. Afterwards it lists the
 * blobs the index names that the store does not hold (copy them from the old `AIRLOCK_DATA/blobs`).
 */
export async function restoreBackup(deps: AppDeps, file: string, options: { force?: boolean } = {}): Promise<RestoreSummary> {
  await fs.access(file).catch(() => { throw bad(`No backup file at ${file}.`); });
  const summary: RestoreSummary = { tables: 0, rows: 0, blobs: 0, blobBytes: 0, missingBlobs: [] };
  const blobIndex: string[] = [];
  try {
    await deps.db.transaction(async (tx) => {
      let header: BackupHeader | null = null;
      let ended = false;
      let current: string | null = null;
      let batch: unknown[] = [];
      const seen = new Map<string, number>();
      const flush = async () => {
        if (current && batch.length) await insertRows(tx, current, batch);
        batch = [];
      };
      const epochBefore = await readAccessEpoch(tx);
      for await (const text of readLines(file)) {
        if (!text.trim()) continue;
        let json: unknown;
        try { json = JSON.parse(text); } catch { throw bad('The backup file is damaged: a line is not JSON.'); }
        if (!header) {
          const parsed = backupHeaderSchema.safeParse(json);
          if (!parsed.success) throw bad(`${file} is not an Airlock backup (format ${BACKUP_FORMAT}, version ${BACKUP_VERSION}).`);
          header = parsed.data;
          const mismatch = migrationMismatch(header.migrations, await listMigrations(tx));
          if (mismatch) throw bad(mismatch);
          const ours = new Set(await listTables(tx));
          const unknown = header.tables.map((t) => t.name).filter((t) => !ours.has(t));
          if (unknown.length) throw bad(`The backup has tables this database lacks: ${unknown.join(', ')}.`);
          if (!options.force && (await holdsData(tx))) throw new AppError('database_not_empty', 409, 'This database already holds users, repositories or audit records. Restore into an empty database, or pass --force to replace everything in it.', { field: 'force' });
          await truncateTables(tx, [...ours]);
          continue;
        }
        if (ended) throw bad('The backup file has lines after its end.');
        const line = backupLineSchema.safeParse(json);
        if (!line.success) throw bad('The backup file is damaged: a line is neither a row, a blob nor the end.');
        const value = line.data;
        if ('t' in value) {
          if (value.t !== current) {
            await flush();
            if (seen.has(value.t)) throw bad(`The rows of ${value.t} are not together; the file was not written by airlock admin backup.`);
            current = value.t;
            seen.set(current, 0);
          }
          batch.push(value.r);
          seen.set(current, seen.get(current)! + 1);
          summary.rows += 1;
          if (batch.length >= INSERT_BATCH) await flush();
        } else if ('blob' in value) {
          blobIndex.push(value.blob);
          summary.blobBytes += value.size;
        } else {
          await flush();
          if (value.rows !== summary.rows || value.blobs !== blobIndex.length) throw bad('The backup file is damaged: its row count does not match its end line.');
          ended = true;
        }
      }
      if (!header) throw bad(`${file} is empty.`);
      if (!ended) throw bad('The backup file is truncated: it has no end line. Nothing was restored.');
      for (const { name, rows } of header.tables) {
        if ((seen.get(name) ?? 0) !== rows) throw bad(`The backup file is damaged: ${name} should have ${rows} rows, it has ${seen.get(name) ?? 0}.`);
      }
      await resetSequences(tx);
      // Caches keyed on the access epoch (the download gate) must not mistake restored data for what they saw.
      const restored = await readAccessEpoch(tx);
      if (restored !== null) await setAccessEpoch(tx, Math.max(restored, epochBefore ?? 0) + 1);
      summary.tables = header.tables.length;
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') throw bad(`${file} is not a gzipped Airlock backup, or it is damaged.`);
    throw error;
  }
  summary.blobs = blobIndex.length;
  for (const sha256 of blobIndex) if (!(await deps.blobs.exists(sha256))) summary.missingBlobs.push(sha256);
  return summary;
}

/** The file's lines, ungzipped; a damaged gzip stream throws here rather than in an unwatched stream. */
async function* readLines(file: string): AsyncGenerator<string> {
  const source = createReadStream(file);
  const gunzip = createGunzip();
  source.once('error', (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  let rest = '';
  for await (const chunk of gunzip.setEncoding('utf8') as AsyncIterable<string>) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest) yield rest;
}
