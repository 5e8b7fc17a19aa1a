import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/airlock.mjs');

/** The environment for a child `airlock`: this process's, minus test-runner and Airlock/HF settings. */
function childEnv(extra: Record<string, string>) {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(AIRLOCK_|HF_)/.test(key) || key === 'DATABASE_URL' || key === 'NODE_TEST_CONTEXT' || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything the server printed, for failure messages. */
  output(): string;
  /** Sends a signal and waits until the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `airlock serve` on `dataDir` and `port` as a child process, waiting until it answers.
 * It uses embedded PGlite unless `databaseUrl` names a PostgreSQL database.
 */
export async function startServerProcess(dataDir: string, port: number, options: { timeoutMs?: number; databaseUrl?: string; logLevel?: string; env?: Record<string, string> } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: childEnv({ AIRLOCK_DATA: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: options.logLevel ?? 'warn', ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}), ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`airlock serve exited (${child.exitCode ?? child.signalCode}):\n${output}`);
    const ok = await fetch(`${url}/healthz`).then((res) => res.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`airlock serve did not answer on ${url} in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid!,
    child,
    output: () => output,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * Runs `airlock admin ...` on `dataDir` (through the running server's admin socket on PGlite,
 * or directly on the PostgreSQL database `databaseUrl`) and returns its output.
 */
export function runAdmin(dataDir: string, args: string[], databaseUrl?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = childEnv({ AIRLOCK_DATA: dataDir, LOG_LEVEL: 'silent', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
    const child = spawn(process.execPath, [BIN, 'admin', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`airlock admin ${args[0]} failed (${code}): ${out}`))));
  });
}

/** Creates a user and a token for them on a running server process; returns the token. */
export async function createUserWithToken(dataDir: string, username: string, options: { scope?: 'read' | 'write'; databaseUrl?: string } = {}): Promise<string> {
  await runAdmin(dataDir, ['create-user', '--username', username, '--email', `${username}@example.org`, '--password', 'a long enough password'], options.databaseUrl);
  const out = await runAdmin(dataDir, ['create-token', '--username', username, '--scope', options.scope ?? 'write'], options.databaseUrl);
  const token = /hf_\w+/.exec(out)?.[0];
  if (!token) throw new Error(`no token in: ${out}`);
  return token;
}
