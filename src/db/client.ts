import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.ts';
import { disableNamedStatements } from './prepared.ts';
import { countWrites, registerWriteCounter, type WriteCounter } from './write-counter.ts';

export type Schema = typeof schema;
/** A database handle or an open transaction; repositories accept either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const migrationsFolder = path.resolve(here, '../../drizzle');

const MIGRATION_LOCK = 0x41697232; // "Air2"

async function openPool(poolConfig: import('pg').PoolConfig, options: { countWrites?: boolean } = {}) {
  const { default: pg } = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const pool = new pg.Pool(poolConfig);
  const db = drizzle(pool, { schema }) as unknown as Db;
  const writes: WriteCounter | undefined = options.countWrites ? countWrites(pool) : undefined;
  if (writes) registerWriteCounter(db, writes);
  // Several instances may start (or be upgraded) at once on one database: one migrates at a
  // time, under a session lock on one connection; the others then find nothing left to apply.
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client, { schema }) as never, { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } catch (error) {
    client.release(true);
    await pool.end();
    throw error;
  }
  client.release();
  return { pool, db };
}

/**
 * Opens the database and applies pending migrations: PostgreSQL when a URL is given; otherwise
 * the embedded PGlite database under `dataDir/db`, run in its own process (see pglite-process.mjs);
 * or, without a data directory, an in-memory PGlite in this process.
 */
export async function openDatabase(options: { databaseUrl?: string; dataDir?: string }): Promise<Database> {
  if (options.databaseUrl) {
    const { pool, db } = await openPool({ connectionString: options.databaseUrl, max: 10 });
    return { db, kind: 'postgres', close: () => pool.end() };
  }
  if (options.dataDir) return openEmbeddedProcess(options.dataDir);
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const client = new PGlite();
  await client.waitReady;
  const db = drizzle(client, { schema }) as unknown as Db;
  await migrate(db as never, { migrationsFolder });
  return { db, kind: 'pglite', close: () => client.close() };
}

/**
 * The socket lives in a 0700 folder, so only this user can connect (PGlite has no passwords).
 * Unix socket paths are limited to about 107 bytes; a deep data directory gets a private temp folder.
 */
async function socketFolder(dataDir: string) {
  const preferred = path.join(dataDir, 'db-socket');
  if (Buffer.byteLength(path.join(preferred, '.s.PGSQL.5432')) < 100) {
    await fs.mkdir(preferred, { recursive: true, mode: 0o700 });
    await fs.chmod(preferred, 0o700);
    return { dir: preferred, temporary: false };
  }
  return { dir: await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-db-')), temporary: true };
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A database process whose server was killed stops by itself (its IPC channel closes), but not
 * instantly: wait for it, so two PGlite processes never open one data directory.
 */
async function waitForPreviousProcess(pidFile: string) {
  const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited > 15_000) throw new Error(`The embedded database process ${pid} from an earlier run is still running. Stop it (kill ${pid}) and start again.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function openEmbeddedProcess(dataDir: string): Promise<Database> {
  disableNamedStatements();
  const dataPath = path.join(dataDir, 'db');
  await fs.mkdir(dataPath, { recursive: true });
  const pidFile = path.join(dataDir, 'db-process.pid');
  await waitForPreviousProcess(pidFile);
  const socket = await socketFolder(dataDir);
  const socketPath = path.join(socket.dir, '.s.PGSQL.5432');
  await fs.rm(socketPath, { force: true });
  const child: ChildProcess = fork(path.join(here, 'pglite-process.mjs'), [dataPath, socketPath], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  await fs.writeFile(pidFile, String(child.pid), { mode: 0o600 });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`The embedded database process stopped (exit ${String(code)}) before it was ready. Is another Airlock using ${dataDir}?`);
  });
  await Promise.race([once(child, 'message'), exited]);
  exited.catch(() => {});
  // One connection: PGlite runs one session, so transactions must not interleave (as in-process).
  // Everything this process asks goes through that one connection, and nothing else writes to the
  // embedded database (the CLI reaches it through the running server): the gate can tell from the
  // statements handed over whether the access epoch may have moved (write-counter.ts).
  const { pool, db } = await openPool({ host: socket.dir, port: 5432, user: 'postgres', database: 'postgres', max: 1 }, { countWrites: true }).catch(async (error) => {
    child.kill();
    throw error;
  });
  return {
    db,
    kind: 'pglite',
    close: async () => {
      await pool.end();
      if (child.exitCode === null) {
        const done = once(child, 'exit');
        child.send('stop');
        await done;
      }
      await fs.rm(pidFile, { force: true });
      if (socket.temporary) await fs.rm(socket.dir, { recursive: true, force: true });
    },
  };
}
