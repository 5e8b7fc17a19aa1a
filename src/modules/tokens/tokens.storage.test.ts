import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { blobs } from '../blobs/blobs.tables.ts';
import { repoBlobs } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';
import { apiTokens } from './tokens.tables.ts';
import { signIn } from '../../../test/support/web-client.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** What the spine keeps at rest: token hashes, scrypt passwords, and each blob once. */
describe('what is stored for tokens, passwords and blobs', () => {
  let server: TestServer;
  let alice: { id: string; password: string };
  let cookie: string;
  const db = () => server.runtime.deps.db;
  const sessionApi = (method: string, url: string, json?: unknown) =>
    fetch(`${server.url}${url}`, { method, headers: { cookie, origin: server.url, ...(json ? { 'content-type': 'application/json' } : {}) }, body: json ? JSON.stringify(json) : undefined });

  before(async () => {
    server = await startTestServer();
    alice = await server.createUser('alice');
    cookie = await signIn(server, 'alice', alice.password);
  });
  after(() => server.close());

  it('keeps a password only as an scrypt hash', async () => {
    const [row] = await db().select({ hash: users.passwordHash }).from(users).where(eq(users.id, alice.id));
    assert.match(row!.hash ?? '', /^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/);
    assert.ok(!row!.hash!.includes(alice.password));
  });

  it('shows a token once, stores only its sha256, and lists its name, scope, expiry and last use', async () => {
    const expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const created = await sessionApi('POST', '/api/tokens', { name: 'laptop', scope: 'read', expiresAt });
    assert.equal(created.status, 201);
    const { token: value, id } = (await created.json()) as { token: string; id: string };
    assert.match(value, /^hf_[A-Za-z0-9]{43}$/);

    const [row] = await db().select().from(apiTokens).where(eq(apiTokens.id, id));
    assert.equal(row!.tokenHash, sha256(value));
    assert.ok(!JSON.stringify(row).includes(value.slice(3)), 'the value is stored nowhere in the row');
    assert.equal(row!.lastUsedAt, null);

    assert.equal((await server.api('GET', '/api/whoami-v2', { token: value })).status, 200);
    const listed = (await (await sessionApi('GET', '/api/tokens')).json()) as Record<string, unknown>[];
    const entry = listed.find((t) => t.id === id)!;
    assert.equal(entry.name, 'laptop');
    assert.equal(entry.scope, 'read');
    assert.equal(entry.expiresAt, expiresAt);
    assert.ok(typeof entry.lastUsedAt === 'string', 'last use is recorded');
    assert.ok(!JSON.stringify(listed).includes(value), 'the value is never listed');

    assert.equal((await sessionApi('DELETE', `/api/tokens/${id}`)).status, 204);
    const refused = await server.api('GET', '/api/whoami-v2', { token: value });
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: string }).error, 'Invalid credentials in Authorization header');
  });

  it('stores the same bytes uploaded to two repositories once, and serves them from both', async () => {
    const token = await server.createToken('alice');
    await createRepo(server, token, 'alice/first');
    await createRepo(server, token, 'alice/second', { type: 'dataset' });
    const content = 'the same weights in two repositories\n';
    await uploadFiles(server, token, 'alice/first', { 'weights.bin': content });
    await uploadFiles(server, token, 'alice/second', { 'copy/weights.bin': content }, { type: 'dataset' });

    const digest = sha256(content);
    assert.equal((await db().select().from(blobs).where(eq(blobs.sha256, digest))).length, 1);
    assert.equal((await db().select().from(repoBlobs).where(eq(repoBlobs.blobSha256, digest))).length, 2);
    const file = server.runtime.deps.blobs.localPath(digest);
    if (file) {
      // On disk: one content-addressed file, under its sha256.
      assert.equal(path.basename(file), digest);
      assert.equal(await fs.readFile(file, 'utf8'), content);
    }
    for (const url of ['/alice/first/resolve/main/weights.bin', '/datasets/alice/second/resolve/main/copy/weights.bin']) {
      const res = await server.api('GET', url);
      assert.equal(res.status, 200, url);
      assert.equal(await res.text(), content, url);
    }
  });
});
