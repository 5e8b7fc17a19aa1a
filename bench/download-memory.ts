/**
 * Memory benchmark of the download path. Starts `airlock serve` in a child process, uploads a
 * generated file (1 GiB by default, streamed), then downloads it in full through
 * `/resolve` on a gated repository with a granted token while reading the server's RSS from
 * /proc/<pid>/status every 100 ms. The download runs on a freshly restarted server, so the
 * figure is the serving path's own; the upload's peak RSS is reported separately. Prints the peak RSS and the throughput, and exits 1 when the
 * peak RSS during the download reaches 200 MB.
 *
 *   node --import tsx bench/download-memory.ts [--size-mib N] [--database-url postgres://…/postgres]
 *
 * By default the server runs on embedded PGlite, which runs in its own process (its WebAssembly
 * heap takes several hundred MB), so the RSS measured is the server's own, as with PostgreSQL.
 * With `--database-url` the server runs on a scratch database created on that PostgreSQL server
 * (and dropped afterwards).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { createScratchDatabase } from '../test/support/scratch-database.ts';
import { generatedSha256, generatedVerifier, uploadGenerated } from '../test/support/generated-file.ts';
import { createUserWithToken, freePort, startServerProcess, type ServerProcess } from '../test/support/server-process.ts';
import { creationSteps } from '../test/support/assessments.ts';

const LIMIT_BYTES = 200 * 1000 * 1000;
const MB = 1000 * 1000;

const { values } = parseArgs({ options: { 'size-mib': { type: 'string', default: '1024' }, 'database-url': { type: 'string' } } });
const sizeMib = Number(values['size-mib']);
if (!Number.isInteger(sizeMib) || sizeMib <= 0) {
  console.error('--size-mib must be a positive whole number of MiB.');
  process.exit(2);
}
const size = sizeMib * 1024 * 1024;
const seed = `download-memory-${sizeMib}`;

async function rssBytes(pid: number): Promise<number | null> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  const match = status && /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : null;
}

/**
 * Samples the RSS of `pid` every 100 ms until stopped, in a worker thread so that a busy main
 * thread (receiving and checking the download) does not delay the samples.
 */
const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
let peak = 0, samples = 0;
const sample = () => {
  try {
    const match = /^VmRSS:\\s+(\\d+)\\s+kB$/m.exec(fs.readFileSync('/proc/' + workerData.pid + '/status', 'utf8'));
    if (match) { peak = Math.max(peak, Number(match[1]) * 1024); samples++; }
  } catch {}
};
sample();
const timer = setInterval(sample, 100);
parentPort.once('message', () => { clearInterval(timer); sample(); parentPort.postMessage({ peak, samples }); });
`;

function sampleRss(pid: number) {
  const worker = new Worker(SAMPLER, { eval: true, workerData: { pid } });
  return {
    async stop(): Promise<{ peak: number; samples: number }> {
      const result = new Promise<{ peak: number; samples: number }>((resolve) => worker.once('message', resolve));
      worker.postMessage('stop');
      const value = await result;
      await worker.terminate();
      return value;
    },
  };
}

/** GETs `url` with node:http and feeds every chunk to `onChunk`; resolves with the status. */
function download(url: string, token: string, onChunk: (chunk: Buffer) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.on('data', onChunk);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const fmt = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

async function main(): Promise<number> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-bench-'));
  const database = values['database-url'] ? await createScratchDatabase(values['database-url'], 'airlock_bench') : undefined;
  let server: ServerProcess | undefined;
  try {
    console.log(`Starting airlock serve on ${database ? 'PostgreSQL (scratch database)' : 'embedded PGlite'}…`);
    server = await startServerProcess(dataDir, await freePort(), { databaseUrl: database?.url });
    const owner = await createUserWithToken(dataDir, 'publisher', { databaseUrl: database?.url });
    const reader = await createUserWithToken(dataDir, 'researcher', { scope: 'read', databaseUrl: database?.url });
    const api = async (method: string, url: string, json: unknown) => {
      const res = await fetch(`${server!.url}${url}`, { method, headers: { Authorization: `Bearer ${owner}`, 'Content-Type': 'application/json' }, body: JSON.stringify(json) });
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, unknown>>;
    };
    for (const step of creationSteps('publisher/bench-lm', 'reviewed')) await api(step.method, step.url, step.json);
    await api('POST', '/api/models/publisher/bench-lm/user-access-request/grant', { user: 'researcher' });

    console.log(`Uploading a generated ${sizeMib} MiB file (streamed)…`);
    const uploadSampler = sampleRss(server.pid);
    const uploadStarted = performance.now();
    const upload = await uploadGenerated(server.url, owner, 'models/publisher/bench-lm', seed, size);
    const uploadSeconds = (performance.now() - uploadStarted) / 1000;
    const uploadRss = await uploadSampler.stop();
    if (upload.status !== 201) throw new Error(`upload failed: ${upload.status} ${JSON.stringify(upload.body)}`);
    await api('POST', '/api/models/publisher/bench-lm/commit/main', { message: 'weights', operations: [{ op: 'add', path: 'model.safetensors', sha256: upload.body.sha256 }] });

    // Serving is measured on a freshly started server, as in production where uploads and
    // downloads are separate lives of the process; the upload's own peak is reported above it.
    await server.kill('SIGTERM');
    server = await startServerProcess(dataDir, await freePort(), { databaseUrl: database?.url });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const idle = (await rssBytes(server.pid)) ?? 0;
    console.log(`Downloading it through /resolve with a granted read token…`);
    const sampler = sampleRss(server.pid);
    const verifier = generatedVerifier(seed);
    const started = performance.now();
    const status = await download(`${server.url}/publisher/bench-lm/resolve/main/model.safetensors`, reader, (chunk) => verifier.update(chunk));
    const seconds = (performance.now() - started) / 1000;
    const { peak, samples } = await sampler.stop();
    if (status !== 200) throw new Error(`download failed: ${status}`);

    const received = verifier.result();
    const intact = received.size === size && received.firstMismatch === null && upload.body.sha256 === generatedSha256(seed, size);
    console.log('');
    console.log(`file size:              ${sizeMib} MiB (${size} bytes); ${intact ? 'every byte downloaded matches' : `MISMATCH: ${received.size} bytes, first difference at ${received.firstMismatch}`}`);
    console.log(`upload:                 ${uploadSeconds.toFixed(1)} s, ${(size / MB / uploadSeconds).toFixed(0)} MB/s, server peak RSS ${fmt(uploadRss.peak)}`);
    console.log(`server RSS before:      ${fmt(idle)}`);
    console.log(`download:               ${seconds.toFixed(1)} s, ${(size / MB / seconds).toFixed(0)} MB/s (${samples} RSS samples)`);
    console.log(`server peak RSS:        ${fmt(peak)} during the download, ${fmt(peak - idle)} above the RSS before it (limit ${fmt(LIMIT_BYTES)})`);
    if (!intact) return 1;
    if (peak >= LIMIT_BYTES) {
      console.log(`FAIL: the server's RSS reached ${fmt(peak)}.`);
      console.log(`(The server held ${fmt(idle)} before the download started; look for growth during the download.)`);
      return 1;
    }
    console.log('OK');
    return 0;
  } finally {
    await server?.kill('SIGTERM');
    await database?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
