import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('cross-site request protection', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await server.createUser('victim', { password: 'correct horse battery' });
  });
  after(() => server.close());

  const postLogin = (headers: Record<string, string>) =>
    fetch(`${server.url}/login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: form({ username: 'victim', password: 'correct horse battery' }) });

  it('refuses a sign-in form posted from another site, even without a session (login CSRF)', async () => {
    const res = await postLogin({ Origin: 'https://evil.example' });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('set-cookie'), null);
  });

  it('accepts the sign-in form posted from our own pages', async () => {
    const res = await postLogin({ Origin: server.url });
    assert.equal(res.status, 303);
    assert.match(res.headers.get('set-cookie') ?? '', /airlock_session=/);
  });

  it('refuses a cookie-authenticated change that carries no Origin or Referer', async () => {
    const login = await postLogin({ Origin: server.url });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const res = await fetch(`${server.url}/logout`, { method: 'POST', redirect: 'manual', headers: { Cookie: cookie } });
    assert.equal(res.status, 403);
  });
});
