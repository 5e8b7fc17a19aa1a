import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { postForm, signIn } from '../../../test/support/web-client.ts';

describe('tokens of a blocked account', () => {
  let server: TestServer;
  let cookie: string;
  let admin: string;

  before(async () => {
    server = await startTestServer();
    await server.createUser('operator', { platformRoles: ['admin'] });
    admin = await server.createToken('operator');
    const mallory = await server.createUser('mallory');
    // Signed in before the block: the session outlives it, as a browser tab would.
    cookie = await signIn(server, 'mallory', mallory.password);
  });
  after(() => server.close());

  const mint = () => server.api('POST', '/api/tokens', { headers: { cookie, origin: server.url }, json: { name: 'escape', scope: 'write' } });

  it('can be minted from a session while the account is in good standing', async () => {
    assert.equal((await mint()).status, 201);
  });

  it('cannot be minted, listed or created in the settings page from a session that predates the block', async () => {
    assert.equal((await server.api('POST', '/api/users/mallory/block', { token: admin, json: { reason: 'Harassed the committee.' } })).status, 200);
    const refused = await mint();
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { code: string }).code, 'user_blocked');
    assert.equal((await server.api('GET', '/api/tokens', { headers: { cookie } })).status, 403);
    assert.equal((await postForm(server, '/settings/tokens', { name: 'escape', scope: 'write' }, { cookie })).status, 403);
  });
});
