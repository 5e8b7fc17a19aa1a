import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { openDatabase, type Database } from './client.ts';
import { EPOCH_NEUTRAL_INSERT_TABLES, leavesEpochAlone, writeCounterOf } from './write-counter.ts';
import { GATE_TABLES, readAccessEpoch } from '../modules/access/access-epoch.ts';
import { flushDownloadRecords, recordDownloadEvent } from '../modules/audit/audit.download-batch.ts';

describe('which statements leave the access epoch alone', () => {
  it('counts a single select and an insert into the audit log as leaving it alone', () => {
    assert.equal(leavesEpochAlone('select "value" from "access_epoch" where "access_epoch"."id" = $1'), true);
    assert.equal(leavesEpochAlone('  SELECT 1;'), true);
    assert.equal(leavesEpochAlone('select pg_advisory_xact_lock($1)'), true);
    assert.equal(leavesEpochAlone('insert into "audit_events" ("seq", "action") values (default, $1), (default, $2)'), true);
    assert.equal(leavesEpochAlone('insert into "audit_chain" ("position", "event_seq", "prev_hash", "hash") values ($1, $2, $3, $4)'), true);
  });

  it('counts everything else as a possible change: writes, transactions, several statements', () => {
    for (const text of [
      'insert into "grants" ("repo_id") values ($1)',
      'update "users" set "blocked_at" = $1',
      'delete from "audit_events"',
      'update "audit_events" set "details" = $1',
      'begin',
      'commit',
      'with moved as (delete from grants returning *) select * from moved',
      'select 1; update access_epoch set value = 0',
      'insert into "audit_events" values (default); delete from grants',
      'insert into "audit_events_copy" values (default)',
      'truncate "grants"',
      '',
    ]) {
      assert.equal(leavesEpochAlone(text), false, text);
    }
  });

  it('never counts a statement that writes a table the gate reads as leaving the epoch alone (property)', () => {
    const statement = fc.tuple(fc.constantFrom(...GATE_TABLES.map((t) => t.table)), fc.constantFrom('insert into "%" values ($1)', 'update "%" set x = 1', 'delete from "%"', 'select 1; delete from "%"', 'insert into "audit_events" values (1); update "%" set x = 1'));
    fc.assert(fc.property(statement, fc.constantFrom('', ' ', '\n', '  \t'), ([table, shape], pad) => !leavesEpochAlone(pad + shape.replace('%', table))));
  });
});

describe('the embedded database counts the statements that may move the access epoch', () => {
  let dir: string;
  let database: Database;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-writes-'));
    database = await openDatabase({ dataDir: dir });
  });
  after(async () => {
    await database.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('sees a change to a table the gate reads at the very next epoch read', async () => {
    const before = await readAccessEpoch(database.db);
    assert.equal(await readAccessEpoch(database.db), before);
    // A statement-level trigger: it fires even when no row matches.
    await database.db.execute(sql`update users set display_name = display_name where false`);
    assert.equal(await readAccessEpoch(database.db), before + 1);
  });

  it('does not count appending download records, so downloads need no epoch query', async () => {
    const counter = writeCounterOf(database.db);
    assert.ok(counter, 'the embedded database has a write counter');
    const epoch = await readAccessEpoch(database.db);
    const counted = counter.submitted;
    await recordDownloadEvent(database.db, { action: 'file.downloaded', details: { path: 'a.bin', bytesSent: 1 } });
    await flushDownloadRecords(database.db);
    assert.equal(counter.submitted, counted);
    assert.equal(await readAccessEpoch(database.db), epoch);
  });

  it('has no trigger of its own on the tables whose inserts it leaves out', async () => {
    const result = await database.db.execute<{ table: string; trigger: string }>(sql`
      select c.relname as "table", t.tgname as "trigger" from pg_trigger t join pg_class c on c.oid = t.tgrelid
      where not t.tgisinternal and c.relname in (${sql.join(EPOCH_NEUTRAL_INSERT_TABLES.map((table) => sql`${table}`), sql`, `)})`);
    assert.deepEqual((result as unknown as { rows: unknown[] }).rows, []);
  });
});
