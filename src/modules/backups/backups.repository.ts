import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';

/**
 * Catalogue queries and row copies for backups. Rows travel as PostgreSQL's own JSON rendering
 * (`row_to_json`) and come back through `json_populate_recordset`, so every type (timestamps,
 * bytea, jsonb, bigint, arrays) round-trips exactly as the database itself writes it.
 */
const rowsOf = async <T>(db: Db, query: ReturnType<typeof sql>) => ((await db.execute(query)) as unknown as { rows: T[] }).rows;
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export const listTables = async (db: Db) =>
  (await rowsOf<{ name: string }>(db, sql`select tablename as name from pg_tables where schemaname = 'public' order by tablename`)).map((r) => r.name);

/** (child, parent) pairs of foreign keys between public tables. */
export const listForeignKeys = (db: Db) =>
  rowsOf<{ child: string; parent: string }>(db, sql`
    select c.relname as child, p.relname as parent from pg_constraint k
    join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
    join pg_namespace n on n.oid = c.relnamespace
    where k.contype = 'f' and n.nspname = 'public'`);

/** The hashes of the applied migrations, oldest first: a backup restores only into the same schema version. */
export async function listMigrations(db: Db): Promise<string[]> {
  const exists = await rowsOf<{ found: boolean }>(db, sql`select to_regclass('drizzle.__drizzle_migrations') is not null as found`);
  if (!exists[0]?.found) return [];
  return (await rowsOf<{ hash: string }>(db, sql`select hash from drizzle.__drizzle_migrations order by id`)).map((r) => r.hash);
}

/** One page of a table's rows as JSON text, in physical order after `afterCtid` (a stable key within one snapshot). */
export const readRows = (db: Db, table: string, afterCtid: string, limit: number) =>
  rowsOf<{ ctid: string; row: string }>(db, sql.raw(`select t.ctid::text as ctid, row_to_json(t)::text as row from ${ident(table)} t where t.ctid > '${afterCtid.replace(/'/g, '')}'::tid order by t.ctid limit ${Math.floor(limit)}`));

export const countRows = async (db: Db, table: string) => Number((await rowsOf<{ n: string }>(db, sql.raw(`select count(*) as n from ${ident(table)}`)))[0]!.n);

export async function insertRows(db: Db, table: string, rows: unknown[]) {
  await db.execute(sql`insert into ${sql.raw(ident(table))} select * from json_populate_recordset(null::${sql.raw(ident(table))}, ${JSON.stringify(rows)}::json)`);
}

export const truncateTables = (db: Db, tables: string[]) => db.execute(sql.raw(`truncate ${tables.map(ident).join(', ')} restart identity cascade`));

/** Serial columns must continue after the restored rows, or the next insert collides with a restored key. */
export async function resetSequences(db: Db) {
  const columns = await rowsOf<{ table_name: string; column_name: string }>(db, sql`
    select table_name, column_name from information_schema.columns where table_schema = 'public' and column_default like 'nextval(%'`);
  for (const { table_name: t, column_name: c } of columns) {
    await db.execute(sql.raw(`select setval(pg_get_serial_sequence('${ident(t)}', '${c}'), coalesce((select max(${ident(c)}) from ${ident(t)}), 0) + 1, false)`));
  }
}

export async function readAccessEpoch(db: Db): Promise<number | null> {
  const exists = await rowsOf<{ found: boolean }>(db, sql`select to_regclass('public.access_epoch') is not null as found`);
  if (!exists[0]?.found) return null;
  const rows = await rowsOf<{ value: string }>(db, sql`select value from access_epoch where id = 1`);
  return rows[0] ? Number(rows[0].value) : 0;
}

export const setAccessEpoch = (db: Db, value: number) => db.execute(sql`update access_epoch set value = ${value} where id = 1`);
