import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../src/app/config.ts';
import { COMPLETE } from './assessments.ts';
import { createScratchDatabase } from './scratch-database.ts';
import { startS3Server } from './s3-server.ts';
import { startServer, type RunningServer } from '../../src/app/runtime.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { runLocalCommand } from '../../src/cli/local.ts';
import { createOrganization, setOrganizationMember } from '../../src/modules/orgs/orgs.usecases.ts';
import { createToken } from '../../src/modules/tokens/tokens.usecases.ts';
import type { PlatformRole } from '../../src/modules/users/users.schemas.ts';
import { registerUser } from '../../src/modules/users/users.usecases.ts';

/**
 * A real Airlock server on loopback with its own fresh data directory and database:
 * embedded PGlite by default, or a new PostgreSQL database per server when
 * AIRLOCK_TEST_DATABASE_URL names a PostgreSQL server (CI sets it when one runs).
 */
export interface TestServer extends RunningServer {
  dataDir: string;
  createUser(username: string, options?: { platformRoles?: PlatformRole[]; password?: string }): Promise<{ id: string; username: string; password: string }>;
  createToken(username: string, scope?: 'read' | 'write'): Promise<string>;
  createOrg(name: string, owner: string, members?: Record<string, 'admin' | 'write' | 'read'>): Promise<void>;
  /** Calls the API with a token (or anonymously) and returns the response. */
  api(method: string, pathname: string, options?: { token?: string; json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> }): Promise<Response>;
}

export interface TestServerOptions {
  /** A `ManualClock` lets a test move time (expiry) instead of sleeping. */
  clock?: Clock;
  /** Configuration on top of the test defaults, such as `smtpUrl` of a test SMTP server. */
  config?: Partial<Config>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-test-'));
  const pgBase = process.env.AIRLOCK_TEST_DATABASE_URL;
  const database = pgBase ? await createScratchDatabase(pgBase) : null;
  // AIRLOCK_TEST_STORAGE=s3 runs the same tests with blobs in a real S3 server (s3rver) of their own;
  // AIRLOCK_TEST_S3_REDIRECT=0 has downloads streamed instead of redirected.
  const s3 = process.env.AIRLOCK_TEST_STORAGE === 's3' && options.config?.storage === undefined ? await startS3Server() : null;
  const storage = s3 ? { storage: s3.storage(), s3: s3.settings, s3Redirect: process.env.AIRLOCK_TEST_S3_REDIRECT !== '0' } : {};
  const running = await startServer({ port: 0, host: '127.0.0.1', dataDir, databaseUrl: database?.url, logLevel: 'silent', publicUrl: undefined, ...storage, ...options.config }, { env: {}, adminRunner: runLocalCommand, clock: options.clock });
  const { db } = running.runtime.deps;
  const passwords = new Map<string, string>();

  const server: TestServer = {
    ...running,
    dataDir,
    async createUser(username, options = {}) {
      const password = options.password ?? `pw-${randomBytes(8).toString('hex')}`;
      const user = await registerUser(db, { username, email: `${username}@example.org`, password, displayName: `${username} Example` }, { platformRoles: options.platformRoles });
      passwords.set(username, password);
      return { id: user.id, username: user.username, password };
    },
    async createToken(username, scope = 'write') {
      const { findUserByUsername } = await import('../../src/modules/users/users.repository.ts');
      const user = await findUserByUsername(db, username);
      if (!user) throw new Error(`no user ${username}`);
      return (await createToken(db, user.id, { name: `test-${scope}`, scope })).value;
    },
    async createOrg(name, owner, members = {}) {
      const { findUserByUsername } = await import('../../src/modules/users/users.repository.ts');
      const ownerRow = await findUserByUsername(db, owner);
      await createOrganization(db, { name }, ownerRow!.id);
      for (const [username, role] of Object.entries(members)) await setOrganizationMember(db, name, username, role, ownerRow!.id);
    },
    api(method, pathname, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.token) headers.Authorization = `Bearer ${options.token}`;
      let body = options.body;
      if (options.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(options.json);
      }
      return fetch(`${running.url}${pathname}`, { method, headers, body, duplex: 'half' } as RequestInit);
    },
    async close() {
      await running.close();
      await s3?.close();
      await database?.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Uploads files (path → content) to a repository as one commit through the HTTP API. */
export async function uploadFiles(server: TestServer, token: string, repo: string, files: Record<string, string | Buffer>, options: { type?: 'model' | 'dataset'; message?: string; branch?: string } = {}) {
  const prefix = options.type === 'dataset' ? 'datasets' : 'models';
  const operations = [];
  for (const [filePath, content] of Object.entries(files)) {
    const res = await server.api('PUT', `/api/${prefix}/${repo}/upload`, { token, body: typeof content === 'string' ? Buffer.from(content) : content });
    if (res.status !== 201) throw new Error(`upload of ${filePath} failed: ${res.status} ${await res.text()}`);
    const blob = (await res.json()) as { sha256: string };
    operations.push({ op: 'add', path: filePath, sha256: blob.sha256 });
  }
  const res = await server.api('POST', `/api/${prefix}/${repo}/commit/${encodeURIComponent(options.branch ?? 'main')}`, { token, json: { message: options.message ?? 'upload', operations } });
  if (res.status !== 201) throw new Error(`commit failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { commitOid: string };
}

const GATED_LEVELS = new Set(['agreement', 'reviewed']);

/**
 * Creates a repository at `accessLevel` the way a publisher must under the default (strict)
 * release review: a gated level is reached by creating the repository at `no-download`,
 * submitting a risk–benefit assessment that argues for the level, then changing it.
 */
export async function createRepo(server: TestServer, token: string, repo: string, options: { type?: 'model' | 'dataset'; accessLevel?: string; private?: boolean } = {}) {
  const type = options.type ?? 'model';
  const accessLevel = options.accessLevel ?? 'open';
  const gated = GATED_LEVELS.has(accessLevel) && server.runtime.deps.config.releaseReview === 'strict';
  const res = await server.api('POST', '/api/repos', { token, json: { repo, type, accessLevel: gated ? 'no-download' : accessLevel, private: options.private ?? false } });
  if (res.status !== 201) throw new Error(`create repo failed: ${res.status} ${await res.text()}`);
  if (gated) await releaseAt(server, token, repo, accessLevel, type);
}

/** Submits an assessment arguing for `accessLevel` and moves the repository to it. */
export async function releaseAt(server: TestServer, token: string, repo: string, accessLevel: string, type: 'model' | 'dataset' = 'model') {
  const prefix = type === 'dataset' ? 'datasets' : 'models';
  const submitted = await server.api('POST', `/api/${prefix}/${repo}/assessment/submit`, { token, json: { ...COMPLETE, accessLevel } });
  if (submitted.status !== 201) throw new Error(`assessment submission failed: ${submitted.status} ${await submitted.text()}`);
  const changed = await server.api('PATCH', `/api/${prefix}/${repo}/settings`, { token, json: { accessLevel } });
  if (changed.status !== 200) throw new Error(`level change failed: ${changed.status} ${await changed.text()}`);
}
