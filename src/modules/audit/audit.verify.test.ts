import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { asc, eq, sql } from 'drizzle-orm';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { linkHash, GENESIS_HASH } from './audit.models.ts';
import { auditChain, auditEvents } from './audit.tables.ts';
import { verifyAuditLog, writeCheckpoint } from './audit.usecases.ts';

const run = promisify(execFile);

describe('the tamper-evident audit log', () => {
  let server: TestServer;
  const keys = () => new Map([[server.runtime.signingKey.keyId, server.runtime.signingKey.publicKey]]);
  const db = () => server.runtime.deps.db;
  const verify = () => verifyAuditLog(db(), keys());
  const eventAt = async (position: number) => {
    const [row] = await db().select({ seq: auditChain.eventSeq }).from(auditChain).where(eq(auditChain.position, position));
    return row!.seq;
  };

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  beforeEach(async () => {
    // A fresh chain for every case: events from real actions, linked and checkpointed.
    await db().execute(sql`truncate audit_events, audit_chain, audit_checkpoints`);
    const name = `u${Date.now().toString(36)}`;
    await server.createUser(name);
    const token = await server.createToken(name);
    await createRepo(server, token, `${name}/model`);
    await uploadFiles(server, token, `${name}/model`, { 'a.txt': 'a', 'b.txt': 'b' });
    await (await server.api('GET', `/${name}/model/resolve/main/a.txt`)).arrayBuffer();
    // The download is recorded when its stream closes, just after the response ends: wait for it.
    for (let i = 0; i < 100; i++) {
      const [row] = await db().select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(eq(auditEvents.action, 'file.downloaded'));
      if ((row?.n ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await server.flushAudit();
    await writeCheckpoint(db(), server.runtime.signingKey, server.runtime.deps.clock);
  });

  it('verifies an untouched log, with every record linked', async () => {
    const report = await verify();
    assert.deepEqual(report.problems, []);
    const [{ n }] = (await db().select({ n: sql<number>`count(*)::int` }).from(auditEvents)) as [{ n: number }];
    assert.equal(report.linked, n);
    assert.ok(report.linked >= 5, `only ${report.linked} records linked`);
    assert.equal(report.checkpoints, 1);
  });

  it('names a record whose fields were altered', async () => {
    const seq = await eventAt(3);
    await db().update(auditEvents).set({ details: { forged: true } }).where(eq(auditEvents.seq, seq));
    const report = await verify();
    assert.equal(report.ok, false);
    assert.equal(report.problems[0]!.kind, 'altered');
    assert.match(report.problems[0]!.message, new RegExp(`Record ${seq} `));
  });

  it('names a record that was deleted', async () => {
    const seq = await eventAt(2);
    await db().delete(auditEvents).where(eq(auditEvents.seq, seq));
    const report = await verify();
    assert.equal(report.problems[0]!.kind, 'missing-event');
    assert.match(report.problems[0]!.message, new RegExp(`Record ${seq} .*deleted`));
  });

  it('detects two records whose contents were swapped', async () => {
    const [a, b] = [await eventAt(2), await eventAt(3)];
    const [rowA] = await db().select().from(auditEvents).where(eq(auditEvents.seq, a));
    const [rowB] = await db().select().from(auditEvents).where(eq(auditEvents.seq, b));
    await db().update(auditEvents).set({ action: rowB!.action, details: rowB!.details, at: rowB!.at }).where(eq(auditEvents.seq, a));
    await db().update(auditEvents).set({ action: rowA!.action, details: rowA!.details, at: rowA!.at }).where(eq(auditEvents.seq, b));
    const report = await verify();
    assert.equal(report.ok, false);
    assert.equal(report.problems[0]!.position, 2);
  });

  it('detects a chain link removed from the middle', async () => {
    await db().delete(auditChain).where(eq(auditChain.position, 2));
    const report = await verify();
    assert.equal(report.problems[0]!.kind, 'missing-link');
    assert.equal(report.problems[0]!.position, 2);
  });

  it('catches a rewrite that recomputes every hash, through the signed checkpoint', async () => {
    const seq = await eventAt(1);
    await db().update(auditEvents).set({ details: { forged: true } }).where(eq(auditEvents.seq, seq));
    // The attacker rebuilds the chain consistently, but cannot re-sign the checkpoint.
    const links = await db().select().from(auditChain).orderBy(asc(auditChain.position));
    let prev = GENESIS_HASH;
    for (const link of links) {
      const [event] = await db().select().from(auditEvents).where(eq(auditEvents.seq, link.eventSeq));
      const hash = linkHash(prev, event!);
      await db().update(auditChain).set({ prevHash: prev, hash }).where(eq(auditChain.position, link.position));
      prev = hash;
    }
    const report = await verify();
    assert.equal(report.ok, false);
    assert.equal(report.problems[0]!.kind, 'bad-checkpoint');
  });

  it('makes `airlock audit verify` exit 0 on an intact log and 1 with the record named after tampering', async () => {
    // The CLI must open the same database as the server: its PostgreSQL one, or (PGlite) the server's own through the admin socket.
    const env = { ...process.env, AIRLOCK_DATA: server.dataDir, DATABASE_URL: server.runtime.deps.config.databaseUrl ?? '' };
    const ok = await run(process.execPath, ['bin/airlock.mjs', 'audit', 'verify'], { env });
    assert.match(ok.stdout, /Audit log intact/);
    const seq = await eventAt(2);
    await db().update(auditEvents).set({ ip: '10.9.9.9' }).where(eq(auditEvents.seq, seq));
    const failed = await run(process.execPath, ['bin/airlock.mjs', 'audit', 'verify'], { env }).then(() => assert.fail('expected exit 1'), (error: { code: number; stderr: string }) => error);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, new RegExp(`Record ${seq} .*altered`));
  });
});
