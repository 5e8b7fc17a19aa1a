import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nginxBinary } from './machine.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/airlock.mjs');

export interface Running {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function waitUntilAnswering(url: string, child: ChildProcess, logFile: string) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${path.basename(String(child.spawnfile))} exited (${child.exitCode ?? child.signalCode}); see ${logFile}:\n${await fs.readFile(logFile, 'utf8').catch(() => '')}`);
    }
    if (await fetch(url).then((res) => res.status < 500, () => false)) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer in time; see ${logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function stopper(child: ChildProcess) {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
}

/**
 * `airlock serve` as an operator runs it (`npm start`): request logs at info level, written to a
 * file, the audit on, plus the `/_bench/head` reference route.
 */
export async function startAirlock(options: { dataDir: string; port: number; databaseUrl?: string; logFile: string }): Promise<Running> {
  const log = openSync(options.logFile, 'a');
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !/^(AIRLOCK_|HF_)/.test(key) && key !== 'DATABASE_URL' && key !== 'NODE_OPTIONS') env[key] = value;
  // AIRLOCK_BENCH_PROFILE_DIR=dir writes the server's CPU profile there when it stops (open it in
  // Chrome's DevTools): profile before changing anything.
  const profileDir = process.env.AIRLOCK_BENCH_PROFILE_DIR;
  // AIRLOCK_BENCH_NODE_FLAGS="--trace-gc" passes flags to the server's Node (its output goes to
  // the server's log file).
  const nodeFlags = (process.env.AIRLOCK_BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), BIN, 'serve'], {
    env: { ...env, AIRLOCK_DATA: options.dataDir, PORT: String(options.port), HOST: '127.0.0.1', AIRLOCK_BENCH_ROUTES: '1', ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}) },
    stdio: ['ignore', log, log],
  });
  const url = `http://127.0.0.1:${options.port}`;
  await waitUntilAnswering(`${url}/healthz`, child, options.logFile);
  return { url, pid: child.pid!, stop: stopper(child) };
}

/**
 * nginx serving `root` on `port`, tuned as a file server would be (sendfile, keep-alive). Its
 * workers run as the benchmark's user, because Airlock keeps blobs readable by their owner only.
 */
export async function startNginx(options: { root: string; port: number; workDir: string }): Promise<Running> {
  await fs.mkdir(options.workDir, { recursive: true });
  const conf = path.join(options.workDir, 'nginx.conf');
  await fs.writeFile(conf, `
worker_processes auto;
${process.getuid?.() === 0 ? 'user root;' : ''}
daemon off;
pid ${options.workDir}/nginx.pid;
error_log ${options.workDir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${options.workDir}/body;
  proxy_temp_path ${options.workDir}/proxy;
  fastcgi_temp_path ${options.workDir}/fastcgi;
  uwsgi_temp_path ${options.workDir}/uwsgi;
  scgi_temp_path ${options.workDir}/scgi;
  types { }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${options.port};
    root ${options.root};
    location /healthz { return 200 "ok"; }
  }
}
`);
  const logFile = path.join(options.workDir, 'stdout.log');
  const log = openSync(logFile, 'a');
  const child = spawn(nginxBinary(), ['-c', conf, '-p', options.workDir], { stdio: ['ignore', log, log] });
  const url = `http://127.0.0.1:${options.port}`;
  await waitUntilAnswering(`${url}/healthz`, child, logFile);
  return { url, pid: child.pid!, stop: stopper(child) };
}
