import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { asc, eq } from 'drizzle-orm';
import { openDatabase, type Database } from '../../src/db/client.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { auditCheckpoints } from '../../src/modules/audit/audit.tables.ts';
import { announceExpiredGrants } from '../../src/modules/webhooks/webhooks.delivery.ts';
import { mailOutbox, notifications } from '../../src/modules/notifications/notifications.tables.ts';
import { createToken } from '../../src/modules/tokens/tokens.usecases.ts';
import { registerUser } from '../../src/modules/users/users.usecases.ts';
import { expectJson, prepareApplication, submit } from '../support/credentials.ts';
import { runCli } from '../support/run-cli.ts';
import { createScratchDatabase } from '../support/scratch-database.ts';
import { freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import type { TestServer } from '../support/test-server.ts';
import { postgresUnavailable, SHARED_POSTGRES_URL } from '../support/shared-postgres.ts';

const BASE = SHARED_POSTGRES_URL;
const DAY = 86_400_000;


const skip = await postgresUnavailable('two server processes need a shared database');
if (skip) console.log(`# skipping background-work: ${skip}`);

/** The helpers in test/support speak to a server through `api` only; this one speaks to a process. */
const client = (server: ServerProcess) => ({
  api(method: string, pathname: string, options: { token?: string; json?: unknown } = {}) {
    const headers: Record<string, string> = {};
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (options.json !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(`${server.url}${pathname}`, { method, headers, body: options.json === undefined ? undefined : JSON.stringify(options.json) });
  },
}) as unknown as TestServer;

const key = (m: { to: string; subject: string }) => `${m.to} | ${m.subject}`;

/**
 * Two `airlock serve` processes on one PostgreSQL database and one data directory, mailing
 * through a real SMTP server: what either queues, and what two `airlock admin sweep` runs at the
 * same moment find due, goes out exactly once, and the audit log stays one verifiable chain.
 */
describe('two server processes on one PostgreSQL do background work exactly once', { skip, timeout: 300_000 }, () => {
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dataDir: string;
  let smtp: SmtpSink;
  let one: ServerProcess;
  let two: ServerProcess;
  let db: Database;
  const tokens: Record<string, string> = {};
  const researchers = Array.from({ length: 8 }, (_, i) => `researcher${i}`);
  const cli = (args: string[]) => runCli(args, { env: { AIRLOCK_DATA: dataDir, DATABASE_URL: database.url, SMTP_URL: smtp.url, LOG_LEVEL: 'warn' } });

  before(async () => {
    database = await createScratchDatabase(BASE, 'airlock_jobs');
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-jobs-'));
    smtp = await startSmtpSink();
    // The servers' own expiry sweeps wait an hour, so the two CLI sweeps below are the only ones
    // and their counts must add up, however slow the machine; their mail still races both workers.
    const env = { SMTP_URL: smtp.url, AIRLOCK_MAIL_POLL_MS: '100', AIRLOCK_RELEASE_REVIEW: 'changes', AIRLOCK_SWEEP_DELAY_MS: '3600000' };
    // Both at once on the fresh database: they take turns applying the migrations.
    const [portOne, portTwo] = [await freePort(), await freePort()];
    [one, two] = await Promise.all([
      startServerProcess(dataDir, portOne, { databaseUrl: database.url, env }),
      startServerProcess(dataDir, portTwo, { databaseUrl: database.url, env }),
    ]);
    db = await openDatabase({ databaseUrl: database.url });
    const users: [string, ('credentialing' | 'admin')[]][] = [['root', ['admin']], ['lab', []], ['carol', ['credentialing']], ...[...researchers, 'short0', 'short1', 'short2'].map((r) => [r, []] as [string, never[]])];
    for (const [username, platformRoles] of users) {
      const user = await registerUser(db.db, { username, email: `${username}@example.org`, password: 'a long enough password', displayName: username }, { platformRoles });
      tokens[username] = (await createToken(db.db, user.id, { name: 'test', scope: 'write' })).value;
    }
  });
  after(async () => {
    await db?.close();
    await one?.kill('SIGTERM');
    await two?.kill('SIGTERM');
    await smtp?.close();
    await database?.drop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('mails each reference request and staff notice once, whichever instance took the submission', async () => {
    await Promise.all(researchers.map(async (r, i) => {
      const via = client(i % 2 ? one : two);
      await prepareApplication(via, tokens[r]!, { reference: { email: `ref-${r}@uni.example.edu` } });
      await expectJson(await submit(via, tokens[r]!), 200);
    }));
    for (const r of researchers) await smtp.waitFor((m) => m.to.includes(`ref-${r}@uni.example.edu`), 20_000);
  });

  it('warns each holder of an ending grant once when both instances sweep at the same moment', async () => {
    const lab = client(one);
    assert.equal((await lab.api('POST', '/api/repos', { token: tokens.lab, json: { repo: 'lab/model', type: 'model', accessLevel: 'reviewed', private: false } })).status, 201);
    const until = new Date(Date.now() + 7 * DAY).toISOString();
    for (const [i, r] of researchers.entries()) {
      const res = await client(i % 2 ? one : two).api('POST', '/api/models/lab/model/grants', { token: tokens.lab, json: { user: r, until } });
      assert.equal(res.status, 201, await res.text());
    }
    // Two `airlock admin sweep` processes, both straight on the database, racing each other and the servers' workers.
    const [a, b] = await Promise.all([cli(['admin', 'sweep']), cli(['admin', 'sweep'])]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const sent = [a.stdout, b.stdout].map((out) => Number(/Sent (\d+) grant expiry warning/.exec(out)?.[1] ?? 0));
    assert.equal(sent[0]! + sent[1]!, researchers.length, `the two sweeps split the warnings: ${a.stdout} / ${b.stdout}`);
    for (const r of researchers) await smtp.waitFor((m) => m.to.includes(`${r}@example.org`) && /ends on/.test(m.subject), 20_000);
  });

  it('tells each revoked holder once, whichever instance revoked', async () => {
    await Promise.all(researchers.slice(0, 4).map(async (r, i) => {
      const res = await client(i % 2 ? one : two).api('POST', '/api/models/lab/model/grants/revoke', { token: tokens.lab, json: { user: r, reason: 'Study closed.' } });
      assert.equal(res.status, 200, await res.text());
    }));
    for (const r of researchers.slice(0, 4)) await smtp.waitFor((m) => m.to.includes(`${r}@example.org`) && /revoked/.test(m.subject), 20_000);
  });

  it('has sent every notice exactly once: one SMTP message per notification, none pending, bodies erased', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000)); // time for a duplicate to show up, if any
    const notices = await db.db.select().from(notifications);
    const expected = researchers.length * 2 /* reference + staff */ + researchers.length /* expiry warnings */ + 4 /* revocations */;
    assert.equal(notices.length, expected, 'each notice recorded once');
    const warnings = notices.filter((n) => /ends on/.test(n.subject));
    assert.equal(new Set(warnings.map((n) => n.recipient)).size, researchers.length, 'one warning per holder');
    const sentKeys = smtp.messages.flatMap((m) => m.to.map((to) => key({ to, subject: m.subject }))).sort();
    assert.deepEqual(sentKeys, notices.map((n) => key({ to: n.recipient, subject: n.subject })).sort(), 'one SMTP message per notification, no more');
    const outbox = await db.db.select().from(mailOutbox);
    assert.equal(outbox.length, expected);
    assert.deepEqual([...new Set(outbox.map((m) => m.status))], ['sent']);
    assert.ok(outbox.every((m) => m.sealedBody === null), 'no mail body left at rest');
    assert.ok(notices.every((n) => n.deliveredAt !== null));
    const references = smtp.messages.filter((m) => m.to.some((to) => to.startsWith('ref-')));
    assert.ok(references.every((m) => /\/references\/[A-Za-z0-9_-]{20,}/.test(m.text)), 'the one-time links survived sealing');
  });

  it('signs the audit head once when two instances checkpoint at the same moment, and the chain verifies', async () => {
    const runs = await Promise.all([cli(['audit', 'checkpoint']), cli(['audit', 'checkpoint']), cli(['audit', 'checkpoint'])]);
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    const checkpoints = await db.db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.id));
    assert.ok(checkpoints.length >= 1);
    assert.equal(new Set(checkpoints.map((c) => c.position)).size, checkpoints.length, `a position signed twice: ${checkpoints.map((c) => c.position).join(', ')}`);
    const verify = await cli(['audit', 'verify']);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /Audit log intact/);
    assert.equal((await db.db.select().from(mailOutbox).where(eq(mailOutbox.status, 'failed'))).length, 0);
  });

  // Last: its short grants could draw an expiry warning from a server's own sweep, which the counts above do not expect.
  it('announces each ended grant once (access.expired) when several scans run at the same moment', async () => {
    const expired: string[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
        if (req.headers['x-airlock-event'] === 'access.expired') expired.push((JSON.parse(body) as { data?: { grantId?: string }; grantId?: string }).data?.grantId ?? body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      assert.equal((await client(one).api('PUT', '/api/admin/webhook-settings', { token: tokens.root, json: { allowPrivateTargets: true } })).status, 200);
      const url = `http://127.0.0.1:${(receiver.address() as net.AddressInfo).port}/hook`;
      assert.equal((await client(two).api('POST', '/api/models/lab/model/webhooks', { token: tokens.lab, json: { url, events: ['access.expired'] } })).status, 201);
      const until = new Date(Date.now() + 1500).toISOString();
      for (const [i, r] of ['short0', 'short1', 'short2'].entries()) {
        assert.equal((await client(i % 2 ? one : two).api('POST', '/api/models/lab/model/grants', { token: tokens.lab, json: { user: r, until } })).status, 201);
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
      // The scan each server's webhook worker runs once a minute, four at once on separate connections.
      const announced = await Promise.all(Array.from({ length: 4 }, () => announceExpiredGrants({ db: db.db } as AppDeps)));
      assert.equal(announced.reduce((a, b) => a + b, 0), 3, `the scans split the three grants: ${announced}`);
      const deadline = Date.now() + 20_000;
      while (expired.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 1000)); // time for a duplicate to show up, if any
      assert.equal(expired.length, 3, JSON.stringify(expired));
      assert.equal(new Set(expired).size, 3, 'an expiry announced twice');
    } finally {
      receiver.closeAllConnections();
      receiver.close();
    }
  });
});

/**
 * An instance killed while it is sending: its claim holds until the lease runs out, then the other
 * instance takes the mail over and sends it. Nothing is lost, and the sealed body survived the crash.
 */
describe('a mail claimed by an instance that is killed mid-send goes out from the other one', { skip, timeout: 180_000 }, () => {
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dataDir: string;
  let smtp: SmtpSink;
  let blackHole: net.Server;
  let db: Database;
  let survivor: ServerProcess | undefined;

  before(async () => {
    database = await createScratchDatabase(BASE, 'airlock_crash');
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-jobs-crash-'));
    smtp = await startSmtpSink();
    // Accepts connections and never greets: a send to it hangs until the process dies.
    blackHole = net.createServer(() => {});
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await db?.close();
    await survivor?.kill('SIGTERM');
    await smtp?.close();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    await database?.drop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('takes the lapsed claim over after the lease and delivers each mail once', async () => {
    const lease = { AIRLOCK_MAIL_LEASE_MS: '3000', AIRLOCK_MAIL_POLL_MS: '100' };
    const doomed = await startServerProcess(dataDir, await freePort(), { databaseUrl: database.url, env: { ...lease, SMTP_URL: `smtp://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}` } });
    db = await openDatabase({ databaseUrl: database.url });
    await registerUser(db.db, { username: 'carol', email: 'carol@example.org', password: 'a long enough password' }, { platformRoles: ['credentialing'] });
    const rita = await registerUser(db.db, { username: 'rita', email: 'rita@example.org', password: 'a long enough password' });
    const token = (await createToken(db.db, rita.id, { name: 'test', scope: 'write' })).value;
    await prepareApplication(client(doomed), token, { reference: { email: 'ruth@uni.example.edu' } });
    await expectJson(await submit(client(doomed), token), 200);
    const deadline = Date.now() + 10_000;
    while ((await db.db.select().from(mailOutbox).where(eq(mailOutbox.status, 'sending'))).length < 2) {
      assert.ok(Date.now() < deadline, 'the first instance claims both mails');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await doomed.kill('SIGKILL');
    survivor = await startServerProcess(dataDir, await freePort(), { databaseUrl: database.url, env: { ...lease, SMTP_URL: smtp.url } });
    await smtp.waitFor((m) => m.to.includes('ruth@uni.example.edu'), 20_000);
    await smtp.waitFor((m) => m.to.includes('carol@example.org'), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // time for a duplicate to show up, if any
    assert.equal(smtp.messages.length, 2);
    assert.match(smtp.messages.find((m) => m.to.includes('ruth@uni.example.edu'))!.text, /\/references\/[A-Za-z0-9_-]{20,}/);
    const rows = await db.db.select().from(mailOutbox);
    assert.deepEqual(rows.map((r) => [r.status, r.attempts, r.sealedBody]), [['sent', 2, null], ['sent', 2, null]]);
  });
});
