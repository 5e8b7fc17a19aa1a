/**
 * `npm run soak [-- --minutes N] [--concurrency C] [--database-url postgres://…]`
 *
 * Mixed traffic against one `airlock serve` for N minutes (default 5): browsing pages and the API,
 * downloads with random ranges, and researchers cycling through apply → approval → gated download
 * → revocation → refused download. Reports unexpected answers (the target is 0), latency
 * percentiles per kind of request, and the growth of the server's memory (its RSS and its
 * children's) from the end of the warm-up to the end (the target is under 10%). Exits 1 when
 * either target is missed.
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createScratchDatabase } from '../test/support/scratch-database.ts';
import { createUserWithToken, freePort, startServerProcess } from '../test/support/server-process.ts';
import { generatedBytes } from '../test/support/generated-file.ts';
import { creationSteps } from '../test/support/assessments.ts';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '8' }, 'database-url': { type: 'string' } } });
const MINUTES = Number(values.minutes);
const CONCURRENCY = Number(values.concurrency);
if (!(MINUTES > 0) || !(CONCURRENCY > 0)) throw new Error('--minutes and --concurrency must be positive numbers');
const DURATION = MINUTES * 60_000;
const WARM_UP = Math.max(15_000, DURATION * 0.2);
const FILE_SIZE = 4 * 2 ** 20;
const RESEARCHERS = Array.from({ length: 6 }, (_, i) => `researcher${i}`);
const log = (line: string) => console.log(`· ${line}`);

async function rssOfTree(pid: number): Promise<number> {
  const read = async (p: number) => {
    const status = await fs.readFile(`/proc/${p}/status`, 'utf8').catch(() => '');
    return Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1] ?? 0) * 1024;
  };
  const children = (await fs.readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean).map(Number);
  let total = await read(pid);
  for (const child of children) total += await rssOfTree(child);
  return total;
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

async function main() {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-soak-'));
  const scratch = values['database-url'] ? await createScratchDatabase(values['database-url'], 'airlock_soak') : null;
  const server = await startServerProcess(dataDir, await freePort(), { databaseUrl: scratch?.url });
  const latencies = new Map<string, number[]>();
  const errors: string[] = [];
  try {
    log(`Setting up users and repositories on ${server.url}…`);
    const names = ['publisher', ...RESEARCHERS];
    const tokens = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await createUserWithToken(dataDir, n, { databaseUrl: scratch?.url })] as const)));
    const call = async (kind: string, method: string, url: string, options: { token?: string; json?: unknown; body?: Buffer; headers?: Record<string, string>; expect: number[] }) => {
      const started = performance.now();
      let status = 0;
      let body: ArrayBuffer | null = null;
      try {
        const res = await fetch(`${server.url}${url}`, {
          method,
          redirect: 'manual',
          headers: { ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}), ...(options.json ? { 'Content-Type': 'application/json' } : {}), ...options.headers },
          body: options.json ? JSON.stringify(options.json) : options.body,
        });
        status = res.status;
        body = await res.arrayBuffer();
      } catch (error) {
        errors.push(`${kind}: ${method} ${url} failed: ${(error as Error).message}`);
        return { status: 0, body: null };
      }
      const list = latencies.get(kind) ?? [];
      list.push(performance.now() - started);
      latencies.set(kind, list);
      if (!options.expect.includes(status)) errors.push(`${kind}: ${method} ${url} answered ${status}: ${Buffer.from(body ?? new ArrayBuffer(0)).toString('utf8').slice(0, 200)}`);
      return { status, body };
    };
    const pub = tokens.publisher!;
    const setup = async (method: string, url: string, json?: unknown, body?: Buffer) => {
      const res = await call('setup', method, url, { token: pub, json, body, expect: [200, 201] });
      return res.body ? (JSON.parse(Buffer.from(res.body).toString('utf8') || '{}') as Record<string, unknown>) : {};
    };
    const weights = generatedBytes('soak', FILE_SIZE);
    for (const [repo, accessLevel] of [['publisher/open-lm', 'open'], ['publisher/gated-lm', 'reviewed']] as const) {
      for (const step of creationSteps(repo, accessLevel)) await setup(step.method, step.url, step.json);
      const { sha256 } = await setup('PUT', `/api/models/${repo}/upload`, undefined, weights);
      const card = await setup('PUT', `/api/models/${repo}/upload`, undefined, Buffer.from(`---\nlicense: mit\n---\n# ${repo}\n\nA soak-test model.\n`));
      await setup('POST', `/api/models/${repo}/commit/main`, { message: 'weights', operations: [{ op: 'add', path: 'model.safetensors', sha256 }, { op: 'add', path: 'README.md', sha256: card.sha256 }] });
    }
    if (errors.length) throw new Error(`setup failed:\n${errors.join('\n')}`);

    const rangeDownload = async (kind: string, repo: string, token: string | undefined, expect: number[]) => {
      const start = randomInt(FILE_SIZE - 1);
      const end = Math.min(FILE_SIZE - 1, start + randomInt(1, 256 * 1024));
      const res = await call(kind, 'GET', `/${repo}/resolve/main/model.safetensors`, { token, headers: { Range: `bytes=${start}-${end}` }, expect });
      if (res.status === 206 && res.body && res.body.byteLength !== end - start + 1) errors.push(`${kind}: range ${start}-${end} returned ${res.body.byteLength} bytes`);
    };
    const browse = async () => {
      const pages = ['/', '/publisher/open-lm', '/publisher/gated-lm', '/api/models?search=lm', '/api/models/publisher/open-lm/tree/main', '/api/models/publisher/gated-lm', '/publisher/open-lm/discussions'];
      await call('browse', 'GET', pages[randomInt(pages.length)]!, { expect: [200] });
    };
    // Each researcher walks the application cycle; a busy one is skipped by the other workers.
    const step = new Map(RESEARCHERS.map((r) => [r, 0]));
    const applicationOf = new Map<string, string>();
    const busy = new Set<string>();
    const cycle = async () => {
      const who = RESEARCHERS.find((r) => !busy.has(r));
      if (!who) return browse();
      busy.add(who);
      try {
        const token = tokens[who]!;
        switch (step.get(who)) {
          case 0: {
            const res = await call('apply', 'POST', '/api/models/publisher/gated-lm/access-requests', { token, json: { purpose: 'We measure how often the model reproduces rare training sequences and publish aggregate rates only.' }, expect: [201] });
            if (res.status !== 201) return;
            applicationOf.set(who, (JSON.parse(Buffer.from(res.body!).toString('utf8')) as { id: string }).id);
            break;
          }
          case 1:
            if ((await call('vote', 'POST', `/api/access-requests/${applicationOf.get(who)}/votes`, { token: pub, json: { decision: 'approve' }, expect: [201] })).status !== 201) return;
            break;
          case 2:
            await rangeDownload('gated download', 'publisher/gated-lm', token, [206]);
            break;
          case 3:
            if ((await call('revoke', 'POST', '/api/models/publisher/gated-lm/grants/revoke', { token: pub, json: { user: who, reason: 'Soak test cycle.' }, expect: [200] })).status !== 200) return;
            break;
          case 4:
            await rangeDownload('refused download', 'publisher/gated-lm', token, [403]);
            break;
        }
        step.set(who, ((step.get(who) ?? 0) + 1) % 5);
      } finally {
        busy.delete(who);
      }
    };

    const startedAt = Date.now();
    const memory: { at: number; rss: number }[] = [];
    const sampler = setInterval(async () => memory.push({ at: Date.now() - startedAt, rss: await rssOfTree(server.pid) }), 1000);
    const progress = setInterval(() => log(`${Math.round((Date.now() - startedAt) / 1000)} s: ${[...latencies.values()].reduce((n, l) => n + l.length, 0)} requests, ${errors.length} errors`), 30_000);
    log(`Running ${MINUTES} minute(s) of mixed traffic with ${CONCURRENCY} concurrent clients…`);
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() - startedAt < DURATION) {
        const roll = randomInt(100);
        if (roll < 45) await browse();
        else if (roll < 75) await rangeDownload('open download', 'publisher/open-lm', undefined, [206]);
        else await cycle();
      }
    }));
    clearInterval(sampler);
    clearInterval(progress);

    const afterWarmUp = memory.filter((m) => m.at >= WARM_UP);
    const baseline = mean(afterWarmUp.slice(0, 5).map((m) => m.rss));
    const final = mean(afterWarmUp.slice(-5).map((m) => m.rss));
    const growth = baseline ? (final - baseline) / baseline : 0;
    console.log('\nkind                 count     p50 ms   p95 ms   p99 ms   max ms');
    const all: number[] = [];
    for (const [kind, list] of [...latencies].sort()) {
      if (kind === 'setup') continue;
      const sorted = [...list].sort((a, b) => a - b);
      all.push(...sorted);
      console.log(`${kind.padEnd(20)} ${String(sorted.length).padStart(6)} ${percentile(sorted, 50).toFixed(1).padStart(10)} ${percentile(sorted, 95).toFixed(1).padStart(8)} ${percentile(sorted, 99).toFixed(1).padStart(8)} ${sorted.at(-1)!.toFixed(1).padStart(8)}`);
    }
    all.sort((a, b) => a - b);
    console.log(`${'all'.padEnd(20)} ${String(all.length).padStart(6)} ${percentile(all, 50).toFixed(1).padStart(10)} ${percentile(all, 95).toFixed(1).padStart(8)} ${percentile(all, 99).toFixed(1).padStart(8)} ${(all.at(-1) ?? 0).toFixed(1).padStart(8)}`);
    console.log(`\nerrors: ${errors.length} (target 0)`);
    for (const error of errors.slice(0, 20)) console.log(`  ${error}`);
    console.log(`memory (server and its database process): ${(baseline / 2 ** 20).toFixed(1)} MiB after warm-up (${Math.round(WARM_UP / 1000)} s) → ${(final / 2 ** 20).toFixed(1)} MiB at the end: ${(growth * 100).toFixed(1)}% (target under 10%)`);
    process.exitCode = errors.length === 0 && growth < 0.1 ? 0 : 1;
  } finally {
    await server.kill('SIGTERM');
    await scratch?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

await main();
