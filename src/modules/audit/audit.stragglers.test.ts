import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { findLastChainedSeq } from './audit.repository.ts';
import { auditEvents } from './audit.tables.ts';
import { appendPendingToChain } from './audit.usecases.ts';

describe('linking events whose transaction committed late', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('leaves an event far behind the newest link to the full pass, which links it', async () => {
    const db = server.runtime.deps.db;
    await appendPendingToChain(db);
    // Leave a gap of unused sequence numbers, then log and link 20 events after it.
    const result = await db.execute<{ seq: string }>(sql`select coalesce(max(seq), 0)::text as seq from audit_events`);
    const top = (result as unknown as { rows: Array<{ seq: string }> }).rows[0]!.seq;
    await db.execute(sql`select setval(pg_get_serial_sequence('audit_events', 'seq'), ${Number(top) + 100})`);
    await db.insert(auditEvents).values(Array.from({ length: 20 }, (_, i) => ({ action: 'test.event', details: { i } })));
    assert.equal(await appendPendingToChain(db), 20);
    const newest = await findLastChainedSeq(db);
    // An event from a transaction that committed after those 20: its number is from the gap.
    await db.insert(auditEvents).values({ seq: Number(top) + 50, action: 'test.late', details: {} });

    assert.equal(await appendPendingToChain(db, 5000, 'recent', 10), 0, 'a recent pass with a 10-event window does not look back 60 events');
    assert.equal(await appendPendingToChain(db, 5000, 'recent', 100), 1, 'a wider window finds it');
    await db.insert(auditEvents).values({ seq: Number(top) + 51, action: 'test.late', details: {} });
    assert.equal(await appendPendingToChain(db, 5000, 'all'), 1, 'the full pass always finds it');
    assert.equal(await findLastChainedSeq(db), newest, 'the newest linked event is still the newest by number');
  });

  it('links, in the minutely pass, an event logged lately however far behind its number is, and leaves an old one to the full pass', async () => {
    const db = server.runtime.deps.db;
    await appendPendingToChain(db);
    const result = await db.execute<{ seq: string }>(sql`select coalesce(max(seq), 0)::text as seq from audit_events`);
    const top = Number((result as unknown as { rows: Array<{ seq: string }> }).rows[0]!.seq);
    await db.execute(sql`select setval(pg_get_serial_sequence('audit_events', 'seq'), ${top + 100})`);
    await db.insert(auditEvents).values(Array.from({ length: 20 }, (_, i) => ({ action: 'test.event', details: { i } })));
    assert.equal(await appendPendingToChain(db, 5000, 'recent', 10), 20);
    // Both late events are numbered 50 and more behind the newest link, beyond a 10-event window.
    await db.insert(auditEvents).values({ seq: top + 40, action: 'test.late', details: {} });
    await db.execute(sql`insert into audit_events (seq, at, action, details) values (${top + 41}, now() - interval '2 hours', 'test.ancient', '{}')`);

    assert.equal(await appendPendingToChain(db, 5000, 'recent', 10), 0, 'the per-second pass does not look that far back');
    assert.equal(await appendPendingToChain(db, 5000, 'lately'), 1, 'the minutely pass links the event logged a moment ago');
    assert.equal(await appendPendingToChain(db, 5000, 'lately'), 0, 'but not the one logged two hours ago');
    assert.equal(await appendPendingToChain(db, 5000, 'all'), 1, 'which the full pass of a flush links');
  });
});
