import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { and, eq, gt } from 'drizzle-orm';
import { auditEvents } from '../audit/audit.tables.ts';
import { generatedBytes, uploadGenerated } from '../../../test/support/generated-file.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const BIG = 32 * 1024 * 1024;
type Details = { path: string; range: string | null; size: number; bytesSent: number; complete: boolean };

describe('the audit record of each download', () => {
  let server: TestServer;
  let token: string;
  let seq = 0;

  /** The `file.downloaded` records newer than the last call, once the server has written `count` of them. */
  const nextDownloads = async (count: number) => {
    const { db } = server.runtime.deps;
    for (let tries = 0; ; tries++) {
      const rows = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'file.downloaded'), gt(auditEvents.seq, seq))).orderBy(auditEvents.seq);
      if (rows.length >= count || tries >= 100) {
        seq = Math.max(seq, ...rows.map((r) => r.seq));
        return rows.map((r) => r.details as Details);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  before(async () => {
    // These are the records of downloads Airlock streams; on S3 (AIRLOCK_TEST_STORAGE=s3) big.bin would
    // otherwise be redirected, which hub.s3-download.test.ts covers.
    server = await startTestServer({ config: { s3Redirect: false } });
    await server.createUser('alice');
    token = await server.createToken('alice');
    await createRepo(server, token, 'alice/audited', { accessLevel: 'agreement' });
    await uploadFiles(server, token, 'alice/audited', { 'small.bin': generatedBytes('audit-small', 3000), 'empty.txt': '' });
    const big = await uploadGenerated(server.url, token, 'models/alice/audited', 'audit-big', BIG);
    const res = await server.api('POST', '/api/models/alice/audited/commit/main', { token, json: { message: 'big', operations: [{ op: 'add', path: 'big.bin', sha256: big.body.sha256 }] } });
    assert.equal(res.status, 201);
    await nextDownloads(0);
  });
  after(() => server.close());

  it('records a complete download with the bytes sent, and a range with its bounds', async () => {
    const full = await server.api('GET', '/alice/audited/resolve/main/small.bin', { token });
    assert.deepEqual(Buffer.from(await full.arrayBuffer()), generatedBytes('audit-small', 3000));
    const range = await server.api('GET', '/alice/audited/resolve/main/small.bin', { token, headers: { Range: 'bytes=1000-1999' } });
    assert.equal((await range.arrayBuffer()).byteLength, 1000);
    const empty = await server.api('GET', '/alice/audited/resolve/main/empty.txt', { token });
    assert.equal((await empty.arrayBuffer()).byteLength, 0);
    // Each record is written when its transfer ends, so they can land in any order.
    const records = (await nextDownloads(3)).map((d) => [d.path, d.range, d.bytesSent, d.complete]);
    assert.deepEqual(records.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))), [
      ['empty.txt', null, 0, true],
      ['small.bin', '1000-1999', 1000, true],
      ['small.bin', null, 3000, true],
    ]);
  });

  it('records a download the client abandoned as incomplete, with the bytes that left before', async () => {
    await new Promise<void>((resolve, reject) => {
      http.get(`${server.url}/alice/audited/resolve/main/big.bin`, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received >= 2 * 1024 * 1024) {
            res.destroy();
            resolve();
          }
        });
        res.on('error', () => {});
      }).on('error', reject);
    });
    const [record] = await nextDownloads(1);
    assert.equal(record!.path, 'big.bin');
    assert.equal(record!.complete, false);
    assert.ok(record!.bytesSent >= 2 * 1024 * 1024 && record!.bytesSent < BIG, `bytesSent ${record!.bytesSent}`);
  });

  it('records nothing for a HEAD request or a refused download', async () => {
    assert.equal((await server.api('HEAD', '/alice/audited/resolve/main/small.bin', { token })).status, 200);
    assert.equal((await server.api('GET', '/alice/audited/resolve/main/small.bin')).status, 401);
    assert.equal((await server.api('GET', '/alice/audited/resolve/main/small.bin', { token })).status, 200);
    const records = await nextDownloads(1);
    assert.equal(records.length, 1);
  });
});
