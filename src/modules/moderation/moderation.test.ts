import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { postForm } from '../../../test/support/web-client.ts';
import { auditEvents } from '../audit/audit.tables.ts';

describe('blocking and unblocking repositories and accounts', () => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const passwords: Record<string, string> = {};
  const post = (path: string, token: string | undefined, json?: unknown) => server.api('POST', path, { token, json });
  const records = async (action: string) => server.runtime.deps.db.select().from(auditEvents).where(eq(auditEvents.action, action));

  before(async () => {
    server = await startTestServer();
    for (const [name, roles] of [['pub', []], ['mod', ['moderator']], ['root', ['admin']], ['rita', []]] as const) {
      passwords[name] = (await server.createUser(name, { platformRoles: [...roles] })).password;
      tokens[name] = await server.createToken(name);
    }
    tokens.modRead = await server.createToken('mod', 'read');
    await createRepo(server, tokens.pub!, 'pub/model');
    await uploadFiles(server, tokens.pub!, 'pub/model', { 'w.bin': 'weights' });
  });
  after(() => server.close());

  it('lets a moderator block a repository with a reason, stopping every download, and records it', async () => {
    assert.equal((await post('/api/models/pub/model/block', tokens.mod, {})).status, 400);
    const res = await post('/api/models/pub/model/block', tokens.mod, { reason: 'Credible report of misuse' });
    assert.equal(res.status, 200, await res.clone().text());
    const download = await server.api('GET', '/pub/model/resolve/main/w.bin', { token: tokens.pub });
    assert.equal(download.status, 403);
    assert.equal((await post('/api/models/pub/model/block', tokens.mod, { reason: 'again' })).status, 409);
    const [blocked] = await records('repo.blocked');
    assert.equal(blocked!.details.reason, 'Credible report of misuse');
    assert.ok(blocked!.actorUserId);
    // The refused download is itself an access decision in the log.
    assert.ok((await records('access.denied')).some((r) => r.details.code === 'repo_blocked' || r.details.status === 403));
  });

  it('lets a moderator unblock it, and records what the block was', async () => {
    assert.equal((await post('/api/models/pub/model/unblock', tokens.mod)).status, 200);
    assert.equal((await server.api('GET', '/pub/model/resolve/main/w.bin', { token: tokens.pub })).status, 200);
    assert.equal((await post('/api/models/pub/model/unblock', tokens.mod)).status, 409);
    const [unblocked] = await records('repo.unblocked');
    assert.equal(unblocked!.details.blockedReason, 'Credible report of misuse');
  });

  it('refuses publishers, researchers, read tokens and anonymous callers', async () => {
    assert.equal((await post('/api/models/pub/model/block', tokens.pub, { reason: 'mine' })).status, 403);
    assert.equal((await post('/api/models/pub/model/block', tokens.rita, { reason: 'spite' })).status, 403);
    assert.equal((await post('/api/models/pub/model/block', tokens.modRead, { reason: 'read only' })).status, 403);
    assert.equal((await post('/api/models/pub/model/block', undefined, { reason: 'anon' })).status, 401);
    assert.equal((await records('repo.blocked')).length, 1);
  });

  it('lets an admin, and only an admin, block an account; the blocked user cannot sign in or use tokens to change anything', async () => {
    assert.equal((await post('/api/users/rita/block', tokens.mod, { reason: 'Leaked weights' })).status, 403);
    assert.equal((await post('/api/users/root/block', tokens.root, { reason: 'myself' })).status, 403);
    assert.equal((await post('/api/users/nobody-such/block', tokens.root, { reason: 'who' })).status, 404);
    assert.equal((await post('/api/users/rita/block', tokens.root, { reason: 'Leaked weights' })).status, 200);
    assert.equal((await post('/api/repos', tokens.rita, { repo: 'rita/new', type: 'model', accessLevel: 'open', private: false })).status, 403);
    assert.equal((await postForm(server, '/login', { username: 'rita', password: passwords.rita! })).status, 403);
    const refused = (await records('user.sign_in_failed')).filter((r) => r.details.username === 'rita');
    assert.deepEqual(refused.map((r) => r.details.reason), ['blocked']);
    const [blocked] = await records('user.blocked');
    assert.deepEqual([blocked!.details.user, blocked!.details.reason], ['rita', 'Leaked weights']);
    assert.equal((await post('/api/users/rita/unblock', tokens.root, { reason: 'Resolved' })).status, 200);
    assert.equal((await records('user.unblocked')).length, 1);
  });
});
