import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { asc } from 'drizzle-orm';
import { expectJson, prepareApplication, referenceTokenOf, submit, waitForOutbox } from '../../../test/support/credentials.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { postForm, sessionCookieOf, signIn } from '../../../test/support/web-client.ts';
import { auditEvents } from './audit.tables.ts';

type Row = typeof auditEvents.$inferSelect;

/**
 * A busy scenario through the real HTTP interfaces: sign-ins (good and bad), tokens made in the
 * browser and the API, token use, downloads allowed and refused, grants, a credential
 * application with its reference link. Then the log is read back, for what must be there and
 * for what must never be: any token, password, session or reference token used in the scenario.
 */
describe('what the audit log records, and what it never records', () => {
  let server: TestServer;
  let rows: Row[] = [];
  const secrets: string[] = [];
  const ids: Record<string, string> = {};

  before(async () => {
    server = await startTestServer();
    for (const name of ['owner', 'rita', 'credstaff']) {
      const user = await server.createUser(name, { platformRoles: name === 'credstaff' ? ['credentialing'] : [] });
      ids[name] = user.id;
      secrets.push(user.password);
    }
    const ownerPassword = secrets[0]!;
    // Sign-in: a wrong password, an unknown user, then the right one; its session cookie is a secret too.
    const wrong = `wrong-${ownerPassword}`;
    secrets.push(wrong);
    assert.equal((await postForm(server, '/login', { username: 'owner', password: wrong })).status, 401);
    assert.equal((await postForm(server, '/login', { username: 'nobody-here', password: wrong })).status, 401);
    const cookie = await signIn(server, 'owner', ownerPassword);
    secrets.push(cookie.split('=')[1]!);
    // Tokens: one from the API with the browser session, one from the test helper.
    const created = await expectJson<{ token: string; id: string }>(await server.api('POST', '/api/tokens', { json: { name: 'laptop', scope: 'write' }, headers: { cookie, origin: server.url } }), 201);
    const ownerToken = created.token;
    const ritaToken = await server.createToken('rita');
    const staffToken = await server.createToken('credstaff');
    secrets.push(ownerToken, ritaToken, staffToken);
    // A token that does not exist is refused and never stored anywhere.
    const forged = `hf_${'Z'.repeat(43)}`;
    secrets.push(forged);
    assert.equal((await server.api('GET', '/api/whoami-v2', { token: forged })).status, 401);

    await createRepo(server, ownerToken, 'owner/gated', { accessLevel: 'reviewed' });
    await uploadFiles(server, ownerToken, 'owner/gated', { 'model.bin': 'weights' });
    assert.equal((await server.api('GET', '/owner/gated/resolve/main/model.bin', { token: ritaToken })).status, 403);
    assert.equal((await server.api('HEAD', '/owner/gated/resolve/main/model.bin')).status, 401);
    assert.equal((await server.api('POST', '/api/models/owner/gated/grants', { token: ownerToken, json: { user: 'rita' } })).status, 201);
    await (await server.api('GET', '/owner/gated/resolve/main/model.bin', { token: ritaToken })).arrayBuffer();
    assert.equal((await server.api('POST', '/api/models/owner/gated/grants/revoke', { token: ownerToken, json: { user: 'rita' } })).status, 200);

    // A credential application mails its reference a one-time link; the reference answers through it.
    await prepareApplication(server, ritaToken, { reference: { email: 'ruth@uni.example.edu' } });
    assert.equal((await submit(server, ritaToken)).status, 200);
    const referenceToken = referenceTokenOf((await waitForOutbox(server.dataDir, (m) => m.to.includes('ruth@uni.example.edu'))).at(-1)!);
    secrets.push(referenceToken);
    await expectJson(await server.api('POST', `/api/references/${referenceToken}`, { json: { response: 'confirm', note: 'Careful researcher.' } }), 200);

    // Hashes of secrets are as good as the secrets for a lookup in the tokens or sessions table.
    for (const secret of [...secrets]) secrets.push(createHash('sha256').update(secret).digest('hex'));
    // The download is recorded when its stream closes, just after the response.
    for (let i = 0; i < 200 && !rows.some((r) => r.action === 'file.downloaded'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      rows = await server.runtime.deps.db.select().from(auditEvents).orderBy(asc(auditEvents.seq));
    }
  });
  after(() => server.close());

  const of = (action: string) => rows.filter((r) => r.action === action);

  it('records failed sign-ins with the username tried, and the successful one', () => {
    const failed = of('user.sign_in_failed');
    assert.deepEqual(failed.map((r) => r.details.username), ['owner', 'nobody-here']);
    assert.equal(failed[0]!.actorUserId, ids.owner);
    assert.equal(failed[1]!.actorUserId, null);
    assert.equal(of('user.signed_in').filter((r) => r.actorUserId === ids.owner).length, 1);
    assert.ok(failed.every((r) => r.ip), 'the address of a failed sign-in is recorded');
  });

  it('records token creation, and token use at most once a minute per token', () => {
    assert.ok(of('token.created').some((r) => r.actorUserId === ids.owner && r.details.name === 'laptop'));
    const used = of('token.used');
    const ritaUses = used.filter((r) => r.actorUserId === ids.rita);
    // Rita's token made several requests in this scenario, within one minute.
    assert.equal(ritaUses.length, 1);
    assert.ok(ritaUses[0]!.actorTokenId);
    const perToken = new Map<string, number>();
    for (const r of used) perToken.set(r.actorTokenId!, (perToken.get(r.actorTokenId!) ?? 0) + 1);
    assert.ok([...perToken.values()].every((n) => n === 1));
  });

  it('records each refused download with the reason, and the allowed one as a download', () => {
    const denied = of('access.denied');
    assert.equal(denied.length, 2);
    assert.deepEqual(denied.map((r) => r.details.status), [403, 401]);
    assert.equal(denied[0]!.actorUserId, ids.rita);
    assert.equal(denied[0]!.details.path, 'model.bin');
    assert.equal(denied[1]!.actorUserId, null);
    assert.equal(of('file.downloaded').filter((r) => r.actorUserId === ids.rita).length, 1);
  });

  it('records the grant and its revocation', () => {
    assert.equal(of('grant.created').length, 1);
    assert.equal(of('grant.revoked').length, 1);
  });

  it('never records a token, password, session or reference token, nor their hashes', () => {
    assert.ok(rows.length > 15, `only ${rows.length} records`);
    const text = JSON.stringify(rows);
    for (const secret of secrets) assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 6)}…) is in the audit log`);
  });
});
