import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, postForm, signIn } from '../../../test/support/web-client.ts';
import { recordNotices } from './notifications.usecases.ts';

describe('notifications in the app', () => {
  let server: TestServer;
  let cookie: string;
  let readToken: string;
  let writeToken: string;

  before(async () => {
    server = await startTestServer();
    const rita = await server.createUser('rita');
    const sam = await server.createUser('sam');
    cookie = await signIn(server, 'rita', rita.password);
    readToken = await server.createToken('rita', 'read');
    writeToken = await server.createToken('rita', 'write');
    const now = server.runtime.deps.clock.now();
    await recordNotices(server.runtime.deps.db, server.runtime.deps, [
      { userId: rita.id, to: 'rita@example.org', subject: 'Your application was approved', body: 'Download <b>now</b>.', link: `${server.url}/settings/access` },
      { userId: rita.id, to: 'rita@example.org', subject: 'Your training expires soon', body: 'Take the course again.' },
      { userId: sam.id, to: 'sam@example.org', subject: 'For sam only', body: 'Not for rita.' },
    ], now);
  });
  after(() => server.close());

  it('shows a signed-in user their own notifications, unread first marked, with the body escaped', async () => {
    const res = await getPage(server, '/notifications', { cookie });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /Your application was approved/);
    assert.match(html, /Download &lt;b&gt;now&lt;\/b&gt;\./);
    assert.match(html, /<a href="\/settings\/access">Open<\/a>/);
    assert.doesNotMatch(html, /For sam only/);
    assert.equal((html.match(/data-read="false"/g) ?? []).length, 2);
  });

  it('sends an anonymous visitor to sign in first', async () => {
    const res = await getPage(server, '/notifications');
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location') ?? '', /^\/login\?next=%2Fnotifications/);
  });

  it('refuses to mark notifications read with a read-only token, and marks the given ones with a write token', async () => {
    assert.equal((await server.api('POST', '/api/me/notifications/read', { token: readToken, json: {} })).status, 403);
    const list = (await (await server.api('GET', '/api/me/notifications', { token: readToken })).json()) as Array<{ id: string; subject: string; readAt: string | null }>;
    const approved = list.find((n) => n.subject.includes('approved'))!;
    const res = await server.api('POST', '/api/me/notifications/read', { token: writeToken, json: { ids: [approved.id] } });
    assert.deepEqual(await res.json(), { marked: 1 });
    const after = (await (await server.api('GET', '/api/me/notifications', { token: readToken })).json()) as Array<{ subject: string; readAt: string | null }>;
    assert.deepEqual(after.map((n) => [n.subject, n.readAt !== null]).sort(), [['Your application was approved', true], ['Your training expires soon', false]]);
  });

  it('refuses an id that is not a notification id, naming the field', async () => {
    const res = await server.api('POST', '/api/me/notifications/read', { token: writeToken, json: { ids: ['nope'] } });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /ids/);
  });

  it('marks everything read from the page, and refuses a cross-site post', async () => {
    assert.equal((await postForm(server, '/notifications/read', {}, { cookie, origin: 'https://evil.example' })).status, 403);
    const res = await postForm(server, '/notifications/read', {}, { cookie });
    assert.equal(res.status, 303);
    const html = await (await getPage(server, '/notifications', { cookie })).text();
    assert.equal((html.match(/data-read="false"/g) ?? []).length, 0);
  });
});
