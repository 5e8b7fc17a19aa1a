import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { asc, eq } from 'drizzle-orm';
import { runCli } from '../../../test/support/run-cli.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { GENESIS_HASH, linkHash } from './audit.models.ts';
import { auditChain, auditCheckpoints, auditEvents } from './audit.tables.ts';
import { verifyAuditLog, writeCheckpoint } from './audit.usecases.ts';

/**
 * A long chain with no Merkle checkpoint yet (one from before they existed, or bulk-loaded) is
 * signed in several bounded ranges; here the bound is 3 so a small chain shows it.
 */
describe('signing a long chain in bounded Merkle ranges', () => {
  let server: TestServer;
  let dir: string;
  let token: string;
  const db = () => server.runtime.deps.db;
  const keys = () => new Map([[server.runtime.signingKey.keyId, server.runtime.signingKey.publicKey]]);

  before(async () => {
    server = await startTestServer();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-ranges-'));
    await server.createUser('ranger');
    token = await server.createToken('ranger');
    await createRepo(server, token, 'ranger/model');
    for (let i = 0; i < 4; i++) await uploadFiles(server, token, 'ranger/model', { [`f${i}.txt`]: `${i}` });
    await server.flushAudit();
    await writeCheckpoint(db(), server.runtime.signingKey, server.runtime.deps.clock, 3);
  });
  after(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('covers every position exactly once, in contiguous ranges no longer than the bound', async () => {
    const ranges = (await db().select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.id))).filter((c) => c.merkleRoot);
    assert.ok(ranges.length >= 3, `only ${ranges.length} ranges`);
    let expectedFrom = 0;
    for (const c of ranges) {
      assert.equal(c.fromPosition, expectedFrom);
      assert.ok(c.position - c.fromPosition! <= 3 && c.position > c.fromPosition!);
      const [link] = await db().select().from(auditChain).where(eq(auditChain.position, c.position));
      assert.equal(c.headHash, link!.hash);
      expectedFrom = c.position;
    }
    const report = await verifyAuditLog(db(), keys());
    assert.deepEqual(report.problems, []);
  });

  it('proves an export through several checkpoints', async () => {
    const env = { AIRLOCK_ENDPOINT: server.url, AIRLOCK_TOKEN: token };
    assert.equal((await runCli(['audit', 'export', '--repo', 'ranger/model', '--out', 'x.jsonl'], { env, cwd: dir })).code, 0);
    await fs.writeFile(path.join(dir, 'keys.json'), await (await server.api('GET', '/.well-known/airlock/keys.json')).text());
    const text = await fs.readFile(path.join(dir, 'x.jsonl'), 'utf8');
    assert.ok((text.match(/"type":"checkpoint"/g)?.length ?? 0) >= 2);
    const result = await runCli(['audit', 'verify-export', 'x.jsonl', '--keys', 'keys.json'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
  });

  it('catches a consistent rewrite of an early range through its signed checkpoint', async () => {
    // Rewrite position 2 and re-link everything after it, as an attacker with the database would.
    const links = await db().select().from(auditChain).orderBy(asc(auditChain.position));
    const [target] = await db().select().from(auditEvents).where(eq(auditEvents.seq, links[1]!.eventSeq));
    await db().update(auditEvents).set({ details: { ...target!.details, forged: true } }).where(eq(auditEvents.seq, target!.seq));
    let prev = GENESIS_HASH;
    for (const link of links) {
      const [event] = await db().select().from(auditEvents).where(eq(auditEvents.seq, link.eventSeq));
      const hash = linkHash(prev, event!);
      await db().update(auditChain).set({ prevHash: prev, hash }).where(eq(auditChain.position, link.position));
      prev = hash;
    }
    const report = await verifyAuditLog(db(), keys());
    assert.equal(report.ok, false);
    assert.ok(report.problems.some((p) => p.kind === 'bad-checkpoint' && p.position <= 3), JSON.stringify(report.problems));
  });
});
