import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from './client.ts';

describe('the database connection', () => {
  let dir: string;
  let database: Database;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-db-'));
    database = process.env.DATABASE_URL ? await openDatabase({ databaseUrl: process.env.DATABASE_URL }) : await openDatabase({ dataDir: dir });
  });
  after(async () => {
    await database.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('answers the query after a failed one: one request\'s error never fails the next request', async () => {
    for (let round = 0; round < 3; round++) {
      await assert.rejects(database.db.execute(sql`select 'not-a-uuid'::uuid`), (error: Error) => (error.cause as { code?: string }).code === '22P02');
      const rows = await database.db.execute<{ answer: number }>(sql`select 42 as answer`);
      assert.equal((rows as unknown as { rows: Array<{ answer: number }> }).rows[0]!.answer, 42);
    }
  });

  it('runs a prepared statement again after a failed query replaced the connection', async () => {
    const { findRoleInNamespace } = await import('../modules/orgs/orgs.repository.ts');
    for (let round = 0; round < 3; round++) {
      assert.equal(await findRoleInNamespace(database.db, '00000000-0000-0000-0000-000000000000', 'nobody-here'), null);
      await assert.rejects(database.db.execute(sql`select 'not-a-uuid'::uuid`));
    }
    assert.equal(await findRoleInNamespace(database.db, '00000000-0000-0000-0000-000000000000', 'nobody-here'), null);
  });
});
