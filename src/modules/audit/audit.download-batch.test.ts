import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { flushDownloadRecords, recordDownloadEvent } from './audit.download-batch.ts';
import { auditEvents } from './audit.tables.ts';

describe('download records, appended in batches', () => {
  let server: TestServer;
  const downloadsOf = async (path: string) =>
    (await server.runtime.deps.db.select().from(auditEvents).where(eq(auditEvents.action, 'file.downloaded'))).filter((r) => (r.details as { path?: string }).path === path);

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('commits every record of downloads that end together, each promise resolving once its row is in', async () => {
    const db = server.runtime.deps.db;
    const written = Array.from({ length: 1200 }, (_, i) => recordDownloadEvent(db, { action: 'file.downloaded', ip: '127.0.0.1', details: { path: 'together.bin', bytesSent: i } }));
    await Promise.all(written);
    const rows = await downloadsOf('together.bin');
    assert.deepEqual(rows.map((r) => (r.details as { bytesSent: number }).bytesSent).sort((a, b) => a - b), Array.from({ length: 1200 }, (_, i) => i));
  });

  it('keeps the records of a batch when one of its rows cannot be stored', async () => {
    const db = server.runtime.deps.db;
    // An actor id that is not a UUID cannot be stored: this row fails, its neighbours must not.
    const results = await Promise.allSettled([
      recordDownloadEvent(db, { action: 'file.downloaded', details: { path: 'neighbour.bin', bytesSent: 1 } }),
      recordDownloadEvent(db, { action: 'file.downloaded', actorUserId: 'not-a-uuid', details: { path: 'bad.bin', bytesSent: 2 } }),
      recordDownloadEvent(db, { action: 'file.downloaded', details: { path: 'neighbour.bin', bytesSent: 3 } }),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.equal((await downloadsOf('neighbour.bin')).length, 2);
  });

  it('writes what is waiting when flushed, without waiting for the batch window', async () => {
    const db = server.runtime.deps.db;
    void recordDownloadEvent(db, { action: 'file.downloaded', details: { path: 'flushed.bin', bytesSent: 5 } });
    await flushDownloadRecords(db);
    assert.equal((await downloadsOf('flushed.bin')).length, 1);
  });
});
