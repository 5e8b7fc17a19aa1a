import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { openDatabase } from '../../src/db/client.ts';
import { grants } from '../../src/modules/access/access.tables.ts';
import { applicationVotes } from '../../src/modules/applications/applications.tables.ts';
import { auditEvents } from '../../src/modules/audit/audit.tables.ts';
import { revisionFiles } from '../../src/modules/repos/repos.tables.ts';
import { generatedBytes, generatedChunks } from '../support/generated-file.ts';
import { runCli } from '../support/run-cli.ts';
import { createScratchDatabase } from '../support/scratch-database.ts';
import { createUserWithToken, freePort, runAdmin, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { creationSteps } from '../support/assessments.ts';

const REPO = 'alice/crash-committee';
const REVIEWERS = ['r1', 'r2', 'r3'];
const APPLICANTS = ['a1', 'a2', 'a3', 'a4'];
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One data directory, killed with SIGKILL at three awkward moments and restarted each time. Every
 * answer the server gave before dying is a promise: what it acknowledged must survive the crash.
 */
describe(`a server killed with SIGKILL (${process.env.AIRLOCK_TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let dataDir: string;
  let port: number;
  let server: ServerProcess;
  let databaseUrl: string | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  const t: Record<string, string> = {};
  const applications: Record<string, string> = {};
  const acknowledgedVotes: { applicationId: string; reviewer: string }[] = [];
  const committed = new Map<string, string>(); // path → sha256, of every commit the server acknowledged

  const api = (token: string | undefined, method: string, url: string, json?: unknown, body?: Buffer) =>
    fetch(`${server.url}${url}`, { method, headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(json ? { 'Content-Type': 'application/json' } : {}) }, body: json ? JSON.stringify(json) : body });
  const start = async () => (server = await startServerProcess(dataDir, port, { databaseUrl }));
  const cli = (...args: string[]) => runCli(args, { env: { AIRLOCK_DATA: dataDir, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' } });
  const commitFile = async (filePath: string, bytes: Buffer) => {
    const up = await api(t.alice, 'PUT', `/api/models/${REPO}/upload`, undefined, bytes);
    if (up.status !== 201) return false;
    const { sha256: sha } = (await up.json()) as { sha256: string };
    const res = await api(t.alice, 'POST', `/api/models/${REPO}/commit/main`, { message: filePath, operations: [{ op: 'add', path: filePath, sha256: sha }] });
    if (res.status === 201) committed.set(filePath, sha);
    return res.status === 201;
  };

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-sigkill-'));
    port = await freePort();
    if (process.env.AIRLOCK_TEST_DATABASE_URL) {
      const scratch = await createScratchDatabase(process.env.AIRLOCK_TEST_DATABASE_URL);
      databaseUrl = scratch.url;
      dropDatabase = scratch.drop;
    }
    await start();
    const names = ['alice', ...REVIEWERS, ...APPLICANTS];
    const tokens = await Promise.all(names.map((name) => createUserWithToken(dataDir, name, { databaseUrl })));
    names.forEach((name, i) => (t[name] = tokens[i]!));
    for (const step of creationSteps(REPO, 'reviewed')) assert.ok([200, 201].includes((await api(t.alice, step.method, step.url, step.json)).status), `${step.method} ${step.url}`);
    for (const r of REVIEWERS) assert.equal((await api(t.alice, 'PUT', `/api/models/${REPO}/reviewers/${r}`)).status, 201);
    assert.equal((await api(t.alice, 'PUT', `/api/models/${REPO}/access-policy`, { decisionRule: { kind: 'committee', required: 2, veto: false } })).status, 200);
    assert.ok(await commitFile('config.json', Buffer.from('{"layers":2}')));
    for (const a of APPLICANTS) {
      const res = await api(t[a], 'POST', `/api/models/${REPO}/access-requests`, { purpose: 'We measure memorisation of rare sequences and publish aggregate rates only, never samples.' });
      assert.equal(res.status, 201, await res.clone().text());
      applications[a] = ((await res.json()) as { id: string }).id;
    }
  });
  after(async () => {
    await server?.kill('SIGTERM');
    await dropDatabase?.();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged vote when killed in the middle of a burst of votes', async () => {
    const burst = APPLICANTS.flatMap((a) => REVIEWERS.flatMap((r) => [0, 1, 2].map(() => ({ a, r }))));
    let answered = 0;
    const requests = burst.map(async ({ a, r }) => {
      const res = await api(t[r], 'POST', `/api/access-requests/${applications[a]}/votes`, { decision: 'approve' }).catch(() => null);
      if (!res) return;
      answered += 1;
      if (res.status === 201) acknowledgedVotes.push({ applicationId: applications[a]!, reviewer: r });
      else assert.ok(res.status === 409, `a refused vote is a conflict, not ${res.status}`);
    });
    while (answered < 3) await sleep(2);
    await server.kill('SIGKILL');
    await Promise.all(requests);
    assert.ok(answered < burst.length, 'the server died before answering every vote');
    await start();
    for (const { applicationId, reviewer } of acknowledgedVotes) {
      const res = await api(t[reviewer], 'GET', `/api/access-requests/${applicationId}`);
      const app = (await res.json()) as { status: string; votes?: { reviewer: string }[] };
      assert.ok(app.votes?.some((v) => v.reviewer === reviewer), `the acknowledged vote of ${reviewer} survived: ${JSON.stringify(app)}`);
    }
  });

  it('keeps the audit chain verifiable when killed during a checkpoint while the chainer is busy', async () => {
    for (const delay of [5, 40]) {
      const traffic = Array.from({ length: 60 }, () => api(t.a1, 'GET', `/${REPO.replace('/', '/')}/resolve/main/config.json`).then((r) => r.arrayBuffer(), () => null));
      const checkpoint = cli('audit', 'checkpoint');
      await sleep(delay);
      await server.kill('SIGKILL');
      await Promise.all(traffic);
      await checkpoint;
      await start();
      const verify = await cli('audit', 'verify');
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    }
    const checkpoint = await cli('audit', 'checkpoint');
    assert.equal(checkpoint.code, 0, checkpoint.stdout + checkpoint.stderr);
  });

  it('loses no acknowledged commit when killed during a large upload among small commits', async () => {
    const big = http.request(`${server.url}/api/models/${REPO}/upload`, { method: 'PUT', headers: { Authorization: `Bearer ${t.alice}`, 'Content-Length': String(96 * 1024 * 1024) } });
    big.on('error', () => {});
    const streaming = (async () => {
      for (const chunk of generatedChunks('sigkill-big', 32 * 1024 * 1024)) {
        if (big.destroyed) return;
        // A dead server never drains the socket: stop on close too.
        if (!big.write(chunk)) await new Promise((resolve) => { big.once('drain', resolve); big.once('close', resolve); });
      }
    })().catch(() => {});
    const small = Array.from({ length: 12 }, (_, i) => commitFile(`shards/part-${i}.bin`, generatedBytes(`shard-${i}`, 50_000 + i)).catch(() => false));
    for (let waited = 0; ; waited += 20) {
      const parts = await fs.readdir(path.join(dataDir, 'blobs', 'tmp')).catch(() => []);
      if (parts.some((p) => p.endsWith('.part')) && waited > 100) break;
      assert.ok(waited < 30_000, 'the large upload never reached the disk');
      await sleep(20);
    }
    await server.kill('SIGKILL');
    await Promise.all([streaming, ...small]);
    await start();
    assert.deepEqual(await fs.readdir(path.join(dataDir, 'blobs', 'tmp')), [], 'temporary files are cleaned on start');
    const tree = (await (await api(t.alice, 'GET', `/api/models/${REPO}/tree/main?recursive=true`)).json()) as { path: string; type: string }[];
    for (const [filePath] of committed) assert.ok(tree.some((e) => e.path === filePath), `acknowledged commit of ${filePath} survived`);
  });

  it('after the crashes: audit verify passes, gc removes only unreferenced blobs, every file matches its manifest', async () => {
    const verify = await cli('audit', 'verify');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const gc = await runAdmin(dataDir, ['gc', '--grace', '0s'], databaseUrl);
    assert.match(gc, /Removed \d+ unreferenced blobs?, \d+ bytes/);
    const manifest = (await (await api(t.alice, 'GET', `/api/models/${REPO}/manifest/main`)).json()) as { manifest: { files: { path: string; sha256: string; size: number }[] } };
    assert.ok(manifest.manifest.files.length >= 1);
    for (const file of manifest.manifest.files) {
      const res = await api(t.alice, 'GET', `/${REPO}/resolve/main/${file.path}`);
      assert.equal(res.status, 200, file.path);
      assert.equal(sha256(new Uint8Array(await res.arrayBuffer())), file.sha256, file.path);
    }
    await server.kill('SIGTERM');

    // Offline, the database itself: nothing half-written.
    const database = await openDatabase({ databaseUrl, dataDir });
    try {
      const { db } = database;
      const referenced = new Set((await db.select({ sha: revisionFiles.blobSha256 }).from(revisionFiles)).map((r) => r.sha));
      const onDisk: string[] = [];
      for (const entry of await fs.readdir(path.join(dataDir, 'blobs', 'sha256'), { recursive: true, withFileTypes: true })) if (entry.isFile()) onDisk.push(entry.name);
      assert.deepEqual(onDisk.sort(), [...referenced].sort(), 'after gc the store holds exactly the referenced blobs');
      const votes = await db.select().from(applicationVotes);
      const votedEvents = await db.select().from(auditEvents).where(eq(auditEvents.action, 'access_request.voted'));
      assert.equal(votedEvents.length, votes.length, 'each vote and its audit record were written together');
      for (const id of Object.values(applications)) {
        const approvals = votes.filter((v) => v.applicationId === id && v.decision === 'approve');
        assert.equal(new Set(approvals.map((v) => v.reviewerId)).size, approvals.length, 'one vote per reviewer');
        const granted = await db.select().from(grants).where(eq(grants.requestId, id));
        assert.equal(granted.length, approvals.length >= 2 ? 1 : 0, `application ${id}: ${approvals.length} approvals, ${granted.length} grants`);
      }
    } finally {
      await database.close();
    }
  });
});
