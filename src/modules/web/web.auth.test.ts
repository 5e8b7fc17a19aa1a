import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, postForm, sessionCookieOf, signIn } from '../../../test/support/web-client.ts';

describe('sign-up, sign-in and tokens over plain HTTP', () => {
  let server: TestServer;
  let alice: { password: string };
  before(async () => {
    server = await startTestServer();
    alice = await server.createUser('alice');
  });
  after(() => server.close());

  it('signing in sets an HttpOnly, SameSite=Lax session cookie and returns to the local next path', async () => {
    const response = await postForm(server, '/login', { username: 'alice', password: alice.password, next: '/settings/tokens' });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/settings/tokens');
    const header = response.headers.getSetCookie().find((h) => h.startsWith('airlock_session='))!;
    assert.match(header, /; HttpOnly/i);
    assert.match(header, /; SameSite=Lax/i);
    assert.match(header, /; Path=\//i);
    assert.match(header, /; Expires=/i);
    assert.doesNotMatch(header, /; Secure/i, 'the test server is on http, where a Secure cookie would never come back');
    const page = await getPage(server, '/settings/tokens', { cookie: sessionCookieOf(response) });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /data-testid="signed-in-as">alice</);
  });

  it('signing in by email works too', async () => {
    const response = await postForm(server, '/login', { username: 'ALICE@example.org', password: alice.password });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/');
  });

  it('does not follow ?next= to another site', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example', '/.//evil.example']) {
      const response = await postForm(server, '/login', { username: 'alice', password: alice.password, next });
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), '/', `next=${next}`);
    }
    const form = await (await getPage(server, '/login?next=//evil.example')).text();
    assert.doesNotMatch(form, /evil\.example/);
  });

  it('a failed sign-up shows the message beside the field and keeps what was typed, but never the password', async () => {
    const response = await postForm(server, '/signup', { username: 'bob', email: 'bob@example.org', password: 'short-pw1' });
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.match(html, /<label class="field invalid"><span>Password<\/span>[\s\S]*?<small class="field-error" id="password-error">Use at least 10 characters\.<\/small>/);
    assert.match(html, /name="username" id="username" value="bob"/);
    assert.match(html, /name="email" id="email" value="bob@example.org"/);
    assert.doesNotMatch(html, /short-pw1/);
    assert.equal(sessionCookieOf(response), undefined);
  });

  it('a taken username is reported on the username field', async () => {
    const response = await postForm(server, '/signup', { username: 'alice', email: 'other@example.org', password: 'a long enough password' });
    assert.equal(response.status, 409);
    assert.match(await response.text(), /id="username-error">The name &quot;alice&quot; is taken/);
  });

  it('a wrong password re-renders the form with the username kept', async () => {
    const response = await postForm(server, '/login', { username: 'alice', password: 'not the password' });
    assert.equal(response.status, 401);
    const html = await response.text();
    assert.match(html, /The username or password is wrong/);
    assert.match(html, /name="username" id="username" value="alice"/);
  });

  it('creates a token from the form, shows its value once, and revokes it', async () => {
    const cookie = await signIn(server, 'alice', alice.password);
    const created = await postForm(server, '/settings/tokens', { name: 'laptop', scope: 'read', expiresAt: '' }, { cookie });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('cache-control'), 'no-store');
    const value = /<input[^>]*value="(hf_[A-Za-z0-9]{43})"[^>]*data-testid="new-token"/.exec(await created.text())?.[1];
    assert.ok(value, 'the new token value is on the page');
    const whoami = await server.api('GET', '/api/whoami-v2', { token: value });
    assert.equal(((await whoami.json()) as { name: string }).name, 'alice');

    const listing = await (await getPage(server, '/settings/tokens', { cookie })).text();
    assert.ok(!listing.includes(value), 'the value is never shown again');
    const id = new RegExp(`action="/settings/tokens/([0-9a-f-]{36})/revoke"[^]*?Revoke laptop`).exec(listing)?.[1];
    assert.ok(id);
    const revoked = await postForm(server, `/settings/tokens/${id}/revoke`, {}, { cookie });
    assert.equal(revoked.status, 303);
    assert.equal((await server.api('GET', '/api/whoami-v2', { token: value })).status, 401);
  });

  it('refuses a token expiry date in the past, next to the date field', async () => {
    const cookie = await signIn(server, 'alice', alice.password);
    const response = await postForm(server, '/settings/tokens', { name: 'old', scope: 'write', expiresAt: '2001-01-01' }, { cookie });
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.match(html, /id="expiresAt-error">Must be in the future/);
    assert.match(html, /<option value="write" selected="">/);
    assert.doesNotMatch(html, /data-testid="new-token"/);
  });

  it('sends an anonymous visitor of the token page to sign in first', async () => {
    const response = await getPage(server, '/settings/tokens');
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/login?next=%2Fsettings%2Ftokens');
  });

  it('refuses a cookie-authenticated form posted from another site', async () => {
    const cookie = await signIn(server, 'alice', alice.password);
    const response = await postForm(server, '/settings/tokens', { name: 'stolen', scope: 'write' }, { cookie, origin: 'http://evil.example' });
    assert.equal(response.status, 403);
    const listing = await (await getPage(server, '/settings/tokens', { cookie })).text();
    assert.doesNotMatch(listing, /stolen/);
  });

  it('signing out ends the session on the server, not only in the browser', async () => {
    const cookie = await signIn(server, 'alice', alice.password);
    const response = await postForm(server, '/logout', {}, { cookie });
    assert.equal(response.status, 303);
    assert.match(response.headers.getSetCookie().join('\n'), /airlock_session=;/);
    assert.equal((await getPage(server, '/settings/tokens', { cookie })).status, 303);
  });

  it('answers 429 with Retry-After once sign-in attempts for an account exceed the limit', async () => {
    const carol = await server.createUser('carol');
    for (let i = 0; i < 10; i += 1) {
      assert.equal((await postForm(server, '/login', { username: 'carol', password: `wrong guess ${i}` })).status, 401);
    }
    const limited = await postForm(server, '/login', { username: 'carol', password: carol.password });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.match(await limited.text(), /Too many sign-in attempts/);
    assert.equal(sessionCookieOf(limited), undefined, 'even the right password waits');
    // The limit is per account: another user signing in from the same address is not locked out.
    assert.equal((await postForm(server, '/login', { username: 'alice', password: alice.password })).status, 303);
  });
});
