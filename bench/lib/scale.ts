import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { createScratchDatabase } from '../../test/support/scratch-database.ts';
import { freePort } from '../../test/support/server-process.ts';
import type { Row } from './report.ts';
import { FULL_SCALE, QUICK_SCALE, isSeeded, prepareActors, seedScale } from './scale-seed.ts';
import { startAirlock } from './servers.ts';

const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachable(url: string) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const p95 = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
};

/** Times `count` sequential GETs after a short warm-up; every answer must be a 200. */
async function timeGets(urls: () => string, token: string, count: number) {
  const samples: number[] = [];
  for (let i = 0; i < count + 5; i++) {
    const url = urls();
    const started = performance.now();
    const res = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json, text/html' } });
    await res.arrayBuffer();
    const ms = performance.now() - started;
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
    if (i >= 5) samples.push(ms);
  }
  return p95(samples);
}

/**
 * Row 6: seeds a scratch PostgreSQL database at the scale (smaller with --quick), starts
 * Airlock on it and reports the p95 latency of the reviewer queue, "my access", catalogue search
 * and audit search over HTTP, and of the gate's decision measured in-process with the code the
 * download route calls.
 */
export async function runScaleRows(options: { quick: boolean; databaseUrl?: string; keepDatabase?: string; workDir: string; log: (line: string) => void }): Promise<Row[]> {
  const { log } = options;
  const baseUrl = options.databaseUrl ?? DEFAULT_POSTGRES;
  const row = (id: string, workload: string, ms: number | null, target: number, note?: string): Row => ({
    id, workload, airlock: ms === null ? 'not measured' : `p95 ${ms.toFixed(1)} ms`, baseline: '—', ratio: null, target: `p95 ≤ ${target} ms`, pass: ms === null ? null : ms <= target, note,
  });
  if (!(await reachable(baseUrl))) {
    log(`Row 6: no PostgreSQL answers at ${baseUrl}; skipped (pass --database-url).`);
    return [row('6', 'scale rows (needs PostgreSQL)', null, 50, `no PostgreSQL at ${baseUrl}`)];
  }
  const size = options.quick ? QUICK_SCALE : FULL_SCALE;
  // --keep-scale NAME keeps the seeded database between runs, so a change to a query can be
  // measured again without seeding for twenty minutes. Only the first run with a name seeds it.
  const database = options.keepDatabase ? await keptDatabase(baseUrl, options.keepDatabase) : await createScratchDatabase(baseUrl, 'airlock_bench_scale');
  const dataDir = path.join(options.workDir, 'scale-data');
  await fs.mkdir(dataDir, { recursive: true });
  let airlock: Awaited<ReturnType<typeof startAirlock>> | undefined;
  try {
    // The server migrates the database, then stops: seeding while it runs would have its audit
    // chainer link the seeded records alongside the seed's own chain.
    const start = async () => startAirlock({ dataDir, port: await freePort(), databaseUrl: database.url, logFile: path.join(options.workDir, 'airlock-scale.log') });
    await (await start()).stop();
    if (await isSeeded(database.url)) {
      log(`Row 6: reusing the seeded database ${options.keepDatabase} (its seed's size is whatever its first run chose).`);
    } else {
      log(`Row 6: migrating a scratch PostgreSQL database and seeding ${size.users} users, ${size.repos} repositories, ${size.applications} applications, ${size.auditRecords} audit records…`);
      await seedScale(database.url, size, log);
    }
    const actors = await prepareActors(database.url);
    airlock = await start();
    const count = options.quick ? 30 : 200;
    const at = (p: string) => `${airlock!.url}${p}`;
    const words = ['llama', 'bert', 'vision', 'speech', 'protein', 'chem', 'clinical', 'finance', 'code', 'chat'];
    const pick = <T,>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;

    log('  measuring the reviewer queue, my access, catalogue search and audit search…');
    const queue = await timeGets(() => at('/api/review/queue'), actors.reviewerToken, count);
    const mine = await timeGets(() => at('/api/me/access-requests'), actors.applicantToken, count);
    const search = await timeGets(() => at(`/api/models?search=${pick(words)}-${pick(words)}`), actors.applicantToken, count);
    const auditProbe = await fetch(at('/api/admin/audit?action=file.downloaded'), { headers: { Authorization: `Bearer ${actors.adminToken}` } });
    const audit = auditProbe.status === 200
      ? await timeGets(() => at(`/api/admin/audit?user=user${1 + Math.floor(Math.random() * size.users)}&action=file.downloaded`), actors.adminToken, count)
      : null;

    log('  measuring gate decisions in-process…');
    const gate = await timeGateDecisions(database.url, actors.grantedPairs, options.quick ? 500 : 5000);
    // The chain is built by one server's chainer; stop it so the measurement has the chain alone.
    await airlock.stop();
    airlock = undefined;
    const chainEvents = options.quick ? 20_000 : 200_000;
    log(`  measuring the audit chainer on ${chainEvents} new records…`);
    const chainBefore = await countChained(database.url);
    const chain = await timeChainer(database.url, chainEvents);
    return [
      row('6a', 'reviewer queue at scale (PostgreSQL)', queue, 50),
      row('6b', '"my access" at scale', mine, 50),
      row('6c', 'catalogue search at scale', search, 50),
      row('6d', 'audit search at scale', audit, 50, audit === null ? `the audit search API answered ${auditProbe.status}` : undefined),
      row('6e', 'gate decision at scale', gate, 2, 'loadRepoFacts + authorize, as the download route calls them, in-process against the seeded database.'),
      { id: '9', workload: `audit chain: link + sign ${chainEvents} records`, airlock: `${(chainEvents / chain.seconds).toFixed(0)} records/s`, baseline: '—', ratio: null, target: 'report', pass: null, note: `the background chainer linked ${chainEvents} records appended after a chain of ${chainBefore} and signed a checkpoint in ${chain.seconds.toFixed(1)} s; writers never wait for it.` },
    ];
  } finally {
    await airlock?.stop();
    await database.drop();
  }
}

/** How many records the chain links (a kept database has more than its seed: earlier runs' row 9). */
async function countChained(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>('SELECT coalesce(max(position), 0)::text AS n FROM audit_chain')).rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** A named database that is created when missing and never dropped. */
async function keptDatabase(baseUrl: string, name: string) {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`--keep-scale takes a database name of lowercase letters, digits and _; got "${name}".`);
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: async () => {} };
}

async function timeGateDecisions(databaseUrl: string, pairs: Array<{ userId: string; repoId: string }>, count: number) {
  const { openDatabase } = await import('../../src/db/client.ts');
  const { loadRepoFacts } = await import('../../src/modules/access/access.gate.ts');
  const { authorize } = await import('../../src/modules/access/access.policies.ts');
  const { users } = await import('../../src/modules/users/users.tables.ts');
  const { repositories } = await import('../../src/modules/repos/repos.tables.ts');
  const { toActorUser } = await import('../../src/modules/access/actor.ts');
  const { eq } = await import('drizzle-orm');
  const database = await openDatabase({ databaseUrl });
  try {
    const samples: number[] = [];
    for (let i = 0; i < count + 20; i++) {
      const pair = pairs[i % pairs.length]!;
      // The user and repository rows are what the route has already loaded when it asks the gate.
      const [user] = await database.db.select().from(users).where(eq(users.id, pair.userId));
      const [repo] = await database.db.select().from(repositories).where(eq(repositories.id, pair.repoId));
      const actor = { kind: 'user' as const, user: toActorUser(user!), via: 'session' as const };
      const started = performance.now();
      const facts = await loadRepoFacts(database.db, actor, repo!);
      const decision = authorize(actor, { type: 'repo.download', facts });
      const ms = performance.now() - started;
      if (!decision.allowed && repo!.accessLevel !== 'open') throw new Error(`the gate refused a seeded grant: ${JSON.stringify(decision)}`);
      if (i >= 20) samples.push(ms);
    }
    return p95(samples);
  } finally {
    await database.close();
  }
}

/** Appends `count` audit records in one statement, then times the chainer linking and signing them. */
async function timeChainer(databaseUrl: string, count: number) {
  const { generateKeyPairSync } = await import('node:crypto');
  const { openDatabase } = await import('../../src/db/client.ts');
  const { appendPendingToChain, writeCheckpoint } = await import('../../src/modules/audit/audit.usecases.ts');
  const { systemClock } = await import('../../src/lib/clock.ts');
  const database = await openDatabase({ databaseUrl });
  try {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`INSERT INTO audit_events (action, ip, details) SELECT 'file.downloaded', '10.0.0.1', jsonb_build_object('path', 'model.safetensors', 'bytesSent', i) FROM generate_series(1, ${count}) i`);
    await client.end();
    const { privateKey } = generateKeyPairSync('ed25519');
    const started = performance.now();
    // As the chainer's timer runs it: recent events through the indexes (its minutely full pass aside).
    await appendPendingToChain(database.db, 5000, 'recent');
    await writeCheckpoint(database.db, { privateKey, keyId: 'bench' }, systemClock, undefined, 1, 'recent');
    return { seconds: (performance.now() - started) / 1000 };
  } finally {
    await database.close();
  }
}
