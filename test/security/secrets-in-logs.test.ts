import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/db/client.ts';
import { auditEvents } from '../../src/modules/audit/audit.tables.ts';
import { createScratchDatabase } from '../support/scratch-database.ts';
import { freePort, runAdmin, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { creationSteps } from '../support/assessments.ts';

/**
 * A whole journey against a real server logging at its most verbose, then a search of every log
 * line, every response (headers and body) and every audit record for the secrets it used. The only
 * places a secret may appear are the answers that hand it out: the new token and the session cookie.
 */
describe('secrets used in a whole journey', () => {
  let dataDir: string;
  let server: ServerProcess;
  let databaseUrl: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  const secrets = new Map<string, string>();
  const transcript: { request: string; text: string }[] = [];

  /** Records the response unless it is the one answer allowed to carry `allowed`. */
  async function call(method: string, url: string, init: { headers?: Record<string, string>; body?: string | Buffer; allow?: 'token' | 'cookie' } = {}) {
    const res = await fetch(`${server.url}${url}`, { method, redirect: 'manual', headers: init.headers, body: init.body });
    const body = await res.text();
    const headers = [...res.headers.entries()].filter(([name]) => !(init.allow === 'cookie' && name === 'set-cookie')).map(([n, v]) => `${n}: ${v}`).join('\n');
    if (init.allow !== 'token') transcript.push({ request: `${method} ${url} → ${res.status}`, text: `${headers}\n\n${body}` });
    return { res, body };
  }
  const form = (fields: Record<string, string>, cookie?: string) => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(fields).toString(),
  });
  const bearer = (token: string, json?: unknown) => ({ headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) }, body: json ? JSON.stringify(json) : undefined });
  const cookieOf = (res: Response) => res.headers.getSetCookie().find((h) => h.startsWith('airlock_session='))?.split(';')[0];

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-secrets-'));
    if (process.env.AIRLOCK_TEST_DATABASE_URL) ({ url: databaseUrl, drop } = await createScratchDatabase(process.env.AIRLOCK_TEST_DATABASE_URL));
    server = await startServerProcess(dataDir, await freePort(), { databaseUrl, logLevel: 'trace' });
  });
  after(async () => {
    await server?.kill('SIGTERM');
    await drop?.();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('runs the journey: sign-up, sign-in, a wrong password, tokens made, used, misused and revoked, an upload, an application', async () => {
    const alicePassword = `alice-pw-${randomBytes(9).toString('hex')}`;
    const bobPassword = `bob-pw-${randomBytes(9).toString('hex')}`;
    const wrongPassword = `wrong-pw-${randomBytes(9).toString('hex')}`;
    secrets.set('alice password', alicePassword).set('bob password', bobPassword).set('wrong password', wrongPassword);
    await runAdmin(dataDir, ['create-user', '--username', 'alice', '--email', 'alice@example.org', '--password', alicePassword], databaseUrl);

    const signup = await call('POST', '/signup', { ...form({ username: 'bob', email: 'bob@example.org', password: bobPassword }), allow: 'cookie' });
    assert.equal(signup.res.status, 303, signup.body);
    assert.equal((await call('POST', '/login', form({ username: 'alice', password: wrongPassword }))).res.status, 401);
    assert.equal((await call('POST', '/login', form({ username: 'nobody', password: wrongPassword }))).res.status, 401);
    const login = await call('POST', '/login', { ...form({ username: 'alice', password: alicePassword }), allow: 'cookie' });
    const aliceCookie = cookieOf(login.res)!;
    const bobCookie = cookieOf(signup.res)!;
    secrets.set('alice session', aliceCookie.split('=')[1]!).set('bob session', bobCookie.split('=')[1]!);

    const newToken = async (cookie: string, name: string) => {
      const { res, body } = await call('POST', '/api/tokens', { headers: { cookie, origin: server.url, 'content-type': 'application/json' }, body: JSON.stringify({ name, scope: 'write' }), allow: 'token' });
      assert.equal(res.status, 201, body);
      return JSON.parse(body) as { token: string; id: string };
    };
    const alice = await newToken(aliceCookie, 'laptop');
    const bob = await newToken(bobCookie, 'cluster');
    const spare = await newToken(aliceCookie, 'spare');
    secrets.set('alice token', alice.token).set('bob token', bob.token).set('spare token', spare.token);
    const forged = `hf_${randomBytes(20).toString('hex')}`;
    secrets.set('forged token', forged);

    for (const step of creationSteps('alice/secret-lm', 'reviewed')) assert.ok([200, 201].includes((await call(step.method, step.url, bearer(alice.token, step.json))).res.status), step.url);
    const upload = await call('PUT', '/api/models/alice/secret-lm/upload', { headers: { authorization: `Bearer ${alice.token}` }, body: Buffer.from('weights') });
    const { sha256 } = JSON.parse(upload.body) as { sha256: string };
    assert.equal((await call('POST', '/api/models/alice/secret-lm/commit/main', bearer(alice.token, { message: 'w', operations: [{ op: 'add', path: 'w.bin', sha256 }] }))).res.status, 201);
    assert.equal((await call('GET', '/alice/secret-lm/resolve/main/w.bin', bearer(alice.token))).res.status, 200);
    assert.equal((await call('GET', '/alice/secret-lm/resolve/main/w.bin', bearer(bob.token))).res.status, 403);
    assert.equal((await call('POST', '/api/models/alice/secret-lm/access-requests', bearer(bob.token, { purpose: 'We evaluate leakage of training data and publish only aggregate statistics of it.' }))).res.status, 201);
    assert.equal((await call('GET', '/api/whoami-v2', bearer(forged))).res.status, 401);
    assert.equal((await call('GET', '/alice/secret-lm/resolve/main/w.bin', bearer(forged))).res.status, 401);
    assert.equal((await call('GET', `/api/models/alice/secret-lm?token=${alice.token}`)).res.status, 200);
    assert.equal((await call('DELETE', `/api/tokens/${alice.id}`, { headers: { cookie: aliceCookie, origin: server.url } })).res.status, 204);
    assert.equal((await call('GET', '/api/whoami-v2', bearer(alice.token))).res.status, 401);
    await call('GET', '/settings/tokens', { headers: { cookie: aliceCookie } });
    await call('GET', '/alice/secret-lm', { headers: { cookie: aliceCookie } });
    await call('GET', `/api/models/alice/secret-lm/audit`, bearer(spare.token));
    await call('POST', '/logout', { headers: { cookie: aliceCookie, origin: server.url } });
    assert.ok(transcript.length > 15);
  });

  it('finds none of them in any log line', () => {
    const log = server.output();
    assert.ok(log.split('\n').filter((l) => l.includes('"request"') || l.includes('"msg"')).length > 10, 'the server did log at trace level');
    for (const [what, value] of secrets) assert.ok(!log.includes(value), `the log contains the ${what}`);
  });

  it('finds none of them in any response but the one that hands each out', () => {
    for (const { request, text } of transcript) for (const [what, value] of secrets) assert.ok(!text.includes(value), `${request} contains the ${what}`);
  });

  it('finds none of them in any audit record', async () => {
    await server.kill('SIGTERM');
    const database = await openDatabase({ databaseUrl, dataDir });
    try {
      const records = JSON.stringify(await database.db.select().from(auditEvents));
      assert.match(records, /token|login|signed_in|sign/i, 'the journey was audited');
      for (const [what, value] of secrets) assert.ok(!records.includes(value), `the audit contains the ${what}`);
    } finally {
      await database.close();
    }
  });
});
