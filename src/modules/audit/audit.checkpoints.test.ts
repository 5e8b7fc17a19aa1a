import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asc } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { recordAuditEvent } from './audit.repository.ts';
import { auditCheckpoints } from './audit.tables.ts';
import { verifyAuditLog, writeCheckpoint } from './audit.usecases.ts';

/**
 * Every instance runs a chainer, and `airlock audit checkpoint` may run beside them: they must not
 * sign the same head twice, nor sign a sliver just after another signed the range.
 */
describe('audit checkpoints written from several places at once', () => {
  let server: TestServer;
  const db = () => server.runtime.deps.db;
  const sign = (minRange?: number) => writeCheckpoint(db(), server.runtime.signingKey, server.runtime.deps.clock, undefined, minRange);
  const checkpoints = () => db().select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.id));
  const record = async (n: number) => {
    for (let i = 0; i < n; i++) await recordAuditEvent(db(), { action: 'test.event', details: { i } });
  };

  before(async () => {
    server = await startTestServer();
  });
  after(() => server?.close());

  it('signs a head once when several writers ask for it at the same moment', async () => {
    await record(5);
    const before = (await checkpoints()).length;
    const results = await Promise.all([sign(), sign(), sign(), sign()]);
    const after = await checkpoints();
    assert.equal(after.length, before + 1, 'one new checkpoint');
    assert.equal(new Set(results.map((c) => c!.id)).size, 1, 'every writer returns the same checkpoint');
    assert.equal(new Set(after.map((c) => c.position)).size, after.length, 'no position signed twice');
  });

  it('signs again only once the chain has grown, and not at all below the minimum range', async () => {
    const start = (await checkpoints()).length;
    await sign();
    assert.equal((await checkpoints()).length, start, 'an already signed head is not signed again');
    await record(3);
    await sign(10);
    assert.equal((await checkpoints()).length, start, 'three new records are below a minimum range of ten');
    await sign();
    assert.equal((await checkpoints()).length, start + 1);
    // A chainer that saw 20 new records before another instance signed them checks again under the lock.
    await record(20);
    await Promise.all([sign(20), sign(20)]);
    assert.equal((await checkpoints()).length, start + 2, 'the second chainer finds the range signed and writes nothing');
    const report = await verifyAuditLog(db(), new Map([[server.runtime.signingKey.keyId, server.runtime.signingKey.publicKey]]));
    assert.deepEqual(report.problems, []);
  });
});
