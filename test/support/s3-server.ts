import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { S3Settings } from '../../src/modules/blobs/s3-blob-store.ts';
import { freePort } from './server-process.ts';

const S3RVER_BIN = path.join(path.dirname(createRequire(import.meta.url).resolve('s3rver/package.json')), 'bin', 's3rver.js');

/** s3rver's built-in account; it checks the key id (and a presigned URL's expiry), not V4 signatures. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * A real S3-compatible server (s3rver) in its own process on a free loopback port, storing in a
 * temporary directory, with one bucket. `kill()` takes it down the hard way (an outage) and
 * `start()` brings it back on the same port and data.
 */
export interface S3TestServer {
  endpoint: string;
  bucket: string;
  /** Settings for `openBlobStore` / `config.s3`. */
  settings: Required<Pick<S3Settings, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey' | 'forcePathStyle'>>;
  /** `s3://bucket/<prefix>` for AIRLOCK_STORAGE; each caller gets its own prefix unless it names one. */
  storage(prefix?: string): string;
  kill(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startS3Server(options: { bucket?: string } = {}): Promise<S3TestServer> {
  const bucket = options.bucket ?? 'airlock-test';
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-s3-'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let output = '';
  let prefixes = 0;

  const start = async () => {
    const proc = spawn(process.execPath, [S3RVER_BIN, '--directory', directory, '--port', String(port), '--address', '127.0.0.1', '--silent', '--no-vhost-buckets', '--configure-bucket', bucket], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    // A test process that dies without closing must not leave the server running.
    const orphanGuard = () => proc.kill('SIGKILL');
    process.once('exit', orphanGuard);
    proc.once('exit', () => process.off('exit', orphanGuard));
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`s3rver exited (${proc.exitCode}):\n${output}`);
      const ready = await fetch(`${endpoint}/${bucket}?list-type=2&max-keys=0`).then((res) => res.status === 200, () => false);
      if (ready) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`s3rver did not answer on ${endpoint}:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const kill = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    endpoint,
    bucket,
    settings: { endpoint, region: 'us-east-1', forcePathStyle: true, ...CREDENTIALS },
    storage: (prefix) => `s3://${bucket}/${prefix ?? `test-${process.pid}-${++prefixes}`}`,
    kill,
    start,
    async close() {
      await kill();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
