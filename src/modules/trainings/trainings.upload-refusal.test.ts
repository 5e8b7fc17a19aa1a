import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { signIn } from '../../../test/support/web-client.ts';

describe('a certificate upload that is not multipart', () => {
  let server: TestServer;
  let cookie: string;
  let token: string;

  before(async () => {
    server = await startTestServer();
    const rita = await server.createUser('rita');
    cookie = await signIn(server, 'rita', rita.password);
    token = await server.createToken('rita');
  });
  after(() => server.close());

  const post = (path: string, headers: Record<string, string>, body: string) =>
    fetch(`${server.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

  it('is refused with a 415 naming the file, and the connection still answers the requests after it', async () => {
    // A large url-encoded body, refused for its type: the requests after it reuse the connection.
    const big = `completedOn=2026-01-01&file=${'x'.repeat(300_000)}`;
    for (let round = 0; round < 3; round++) {
      const page = await post('/settings/trainings/upload', { accept: 'text/html', origin: server.url, cookie }, big);
      assert.equal(page.status, 415);
      assert.match(await page.text(), /^<!DOCTYPE html>/);
      const api = await post('/api/trainings/responsible-research-high-risk-models/certificates', { authorization: `Bearer ${token}` }, big);
      const problem = (await api.json()) as { field: string };
      assert.equal(api.status, 415);
      assert.equal(problem.field, 'file');
      const next = await fetch(`${server.url}/settings/profile`, { headers: { accept: 'text/html', cookie } });
      assert.equal(next.status, 200);
      await next.text();
    }
  });
});
