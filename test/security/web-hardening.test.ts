import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../src/lib/clock.ts';
import { safeNextPath } from '../../src/modules/web/web.support.ts';
import { getPage, postForm, sessionCookieOf, signIn } from '../support/web-client.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../support/test-server.ts';

/** A form post from a given loopback address (127.0.0.0/8 all reach the server): a second client. */
function postFrom(server: TestServer, localAddress: string, path: string, fields: Record<string, string>) {
  return new Promise<{ status: number; location: string | undefined; setCookie: string[] }>((resolve, reject) => {
    const body = new URLSearchParams(fields).toString();
    const req = http.request(`${server.url}${path}`, { method: 'POST', localAddress, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location, setCookie: res.headers['set-cookie'] ?? [] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('web hardening', () => {
  const clock = new ManualClock(new Date('2031-03-01T09:00:00Z'));
  let server: TestServer;
  let password: string;

  before(async () => {
    server = await startTestServer({ clock });
    ({ password } = await server.createUser('alice'));
    await createRepo(server, await server.createToken('alice'), 'alice/hardened-lm');
    await uploadFiles(server, await server.createToken('alice'), 'alice/hardened-lm', { 'README.md': '# Hardened\n\n<script>alert(1)</script> <img src=x onerror=alert(2)>\n' });
  });
  after(() => server?.close());

  it('sends a CSP without inline scripts, frame-ancestors none, nosniff and a Referrer-Policy on pages and API answers', async () => {
    for (const path of ['/', '/login', '/signup', '/alice/hardened-lm', '/api/models/alice/hardened-lm', '/no-such-page']) {
      const res = await getPage(server, path);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'(;|$)/, `${path}: ${csp}`);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /default-src 'self'/, path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.match(res.headers.get('referrer-policy') ?? '', /^(same-origin|no-referrer|strict-origin(-when-cross-origin)?)$/, path);
      assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', path);
    }
  });

  it('serves pages with no inline script or event handler, even when the card contains them', async () => {
    const cookie = await signIn(server, 'alice', password);
    for (const path of ['/', '/login', '/signup', '/alice/hardened-lm', '/settings/tokens']) {
      const html = await (await getPage(server, path, { cookie })).text();
      const inline = html.match(/<script(?![^>]*\bsrc=)[^>]*>/gi) ?? [];
      assert.deepEqual(inline, [], `${path} has an inline script`);
      assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${path} has an inline event handler`);
      assert.doesNotMatch(html, /javascript:/i, path);
    }
  });

  it('sets the session cookie HttpOnly and SameSite=Lax, not Secure on plain http', async () => {
    const res = await postForm(server, '/login', { username: 'alice', password });
    const header = res.headers.getSetCookie().find((h) => h.startsWith('airlock_session='))!;
    assert.match(header, /HttpOnly/i);
    assert.match(header, /SameSite=Lax/i);
    assert.doesNotMatch(header, /Secure/i);
  });

  it('issues a new session id on every sign-in, ignores one planted by an attacker, and ends the previous one', async () => {
    const planted = 'airlock_session=attacker-chosen-value';
    const first = await postForm(server, '/login', { username: 'alice', password }, { cookie: planted });
    const firstCookie = sessionCookieOf(first)!;
    assert.notEqual(firstCookie, planted);
    const second = await postForm(server, '/login', { username: 'alice', password }, { cookie: firstCookie });
    const secondCookie = sessionCookieOf(second)!;
    assert.notEqual(secondCookie, firstCookie);
    const me = async (cookie: string) => (await getPage(server, '/settings/tokens', { cookie })).status;
    assert.equal(await me(secondCookie), 200);
    assert.equal(await me(firstCookie), 303, 'the replaced session no longer signs anyone in');
  });

  it('never redirects off-site after sign-in, whatever "next" says', async () => {
    for (const next of ['//evil.example', 'https://evil.example/x', '/\\evil.example', '/.//evil.example', '/%2F%2Fevil.example', ' /x', '/\t/evil.example', 'javascript:alert(1)']) {
      const res = await postForm(server, '/login', { username: 'alice', password, next });
      const location = res.headers.get('location') ?? '';
      assert.equal(res.status, 303);
      assert.ok(location.startsWith('/') && !location.startsWith('//') && !location.includes('\\'), `${next} → ${location}`);
      assert.equal(new URL(location, server.url).origin, server.url, `${next} → ${location}`);
      const page = await getPage(server, `/login?next=${encodeURIComponent(next)}`);
      const carried = /name="next" value="([^"]*)"/.exec(await page.text())?.[1] ?? '/';
      assert.equal(new URL(carried.replace(/&amp;/g, '&'), server.url).origin, server.url, `the form carries ${carried}`);
      assert.ok(!carried.startsWith('//'), carried);
    }
  });

  it('keeps every "next" value on this site (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.string().map((s) => `/${s}`), fc.string().map((s) => `//${s}`)), (next) => {
        const path = safeNextPath(next);
        assert.ok(path.startsWith('/') && !path.startsWith('//'), path);
        assert.equal(new URL(path, 'https://airlock.example').origin, 'https://airlock.example');
      }),
      { numRuns: 2000 },
    );
  });

  it('locks out guessing from one address for a while, never the owner elsewhere, and never for good', async () => {
    await server.createUser('victim', { password: 'victim password 123' });
    const attacker = '127.0.0.3';
    const owner = '127.0.0.4';
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await postFrom(server, attacker, '/login', { username: 'victim', password: `guess-${i}` })).status);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.equal(statuses[10], 429);
    assert.equal((await postFrom(server, attacker, '/login', { username: 'victim', password: 'victim password 123' })).status, 429, 'even the right password waits');
    assert.equal((await postFrom(server, owner, '/login', { username: 'victim', password: 'victim password 123' })).status, 303, 'the owner from another address signs in');
    // The attacker keeps trying through the lockout; the window does not slide with their attempts.
    for (let minute = 0; minute < 15; minute++) {
      clock.advance(60_000);
      await postFrom(server, attacker, '/login', { username: 'victim', password: 'still guessing' });
    }
    clock.advance(1000);
    assert.equal((await postFrom(server, attacker, '/login', { username: 'victim', password: 'victim password 123' })).status, 303, 'the lockout ended');
  });
});

describe('behind https (AIRLOCK_PUBLIC_URL)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ config: { publicUrl: 'https://airlock.example', baseUrl: 'https://airlock.example' } as never });
    await server.createUser('alice', { password: 'a secure enough password' });
  });
  after(() => server?.close());

  it('marks the session cookie Secure, HttpOnly and SameSite', async () => {
    const res = await postForm(server, '/login', { username: 'alice', password: 'a secure enough password' });
    assert.equal(res.status, 303);
    const header = res.headers.getSetCookie().find((h) => h.startsWith('airlock_session='))!;
    assert.match(header, /;\s*Secure/i);
    assert.match(header, /HttpOnly/i);
    assert.match(header, /SameSite=Lax/i);
  });

  it('accepts a form posted from the public origin and refuses another', async () => {
    assert.equal((await postForm(server, '/login', { username: 'alice', password: 'a secure enough password' }, { origin: 'https://airlock.example' })).status, 303);
    assert.equal((await postForm(server, '/login', { username: 'alice', password: 'a secure enough password' }, { origin: 'https://airlock.example.evil.example' })).status, 403);
  });
});
