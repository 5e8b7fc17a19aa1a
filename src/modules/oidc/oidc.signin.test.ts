import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { startProvider } from '../../../test/support/oidc-provider.ts';
import { signIn } from '../../../test/support/web-client.ts';
import { findUserByEmail, findUserByUsername } from '../users/users.repository.ts';
import { hasActiveCredential } from '../credentials/credentials.usecases.ts';

/** A browser without a browser: follows redirects by hand and keeps each origin's cookies. */
function browser() {
  const jar = new Map<string, Map<string, string>>();
  async function get(url: string) {
    const origin = new URL(url).origin;
    const cookies = jar.get(origin) ?? new Map<string, string>();
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const header of res.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const [name, ...value] = pair!.split('=');
      cookies.set(name!.trim(), value.join('='));
    }
    jar.set(origin, cookies);
    return res;
  }
  /** Follows redirects until an answer that is not one, or until `stopAt` matches the next address. */
  async function follow(url: string, stopAt?: RegExp) {
    let current = url;
    for (let hop = 0; hop < 20; hop++) {
      if (stopAt?.test(current)) return { url: current, res: undefined };
      const res = await get(current);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { url: current, res };
      current = new URL(location, current).toString();
    }
    throw new Error('too many redirects');
  }
  return { get, follow, cookie: (origin: string, name: string) => jar.get(origin)?.get(name), setCookie: (origin: string, pair: string) => { const [n, v] = pair.split('='); jar.set(origin, new Map([...(jar.get(origin) ?? []), [n!, v!]])); } };
}

describe('signing in with an OpenID Connect provider (authorization code with PKCE)', () => {
  let server: TestServer;
  let idp: Awaited<ReturnType<typeof startProvider>>;
  before(async () => {
    idp = await startProvider();
    server = await startTestServer({ config: { oidcProviders: [{ id: 'uni', name: 'University', issuer: idp.issuer, clientId: 'airlock', clientSecret: 'airlock-test-secret-0123456789', affiliationClaim: 'affiliation' }] } });
    idp.init(`${server.url}/login/oidc/uni/callback`);
    idp.accounts.set('u-100', { sub: 'u-100', email: 'ursula@uni.example.org', email_verified: true, name: 'Ursula Uni', preferred_username: 'ursula', affiliation: 'University of Testing' });
    idp.accounts.set('u-200', { sub: 'u-200', email: 'lena@example.org', email_verified: true, name: 'Lena Local', preferred_username: 'lena', affiliation: 'Institute of Examples' });
  });
  after(async () => {
    await server.close();
    await idp.close();
  });

  it('answers 404 for a provider that is not configured', async () => {
    assert.equal((await fetch(`${server.url}/login/oidc/nope`, { redirect: 'manual' })).status, 404);
  });

  it('creates an account on first sign-in, fills the profile from the claims and grants no credential', async () => {
    idp.as('u-100');
    const b = browser();
    const start = await b.get(`${server.url}/login/oidc/uni?next=/settings/credential`);
    assert.equal(start.status, 303);
    const authorize = new URL(start.headers.get('location')!);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorize.searchParams.get('state') && authorize.searchParams.get('nonce') && authorize.searchParams.get('code_challenge'));
    const end = await b.follow(authorize.toString());
    assert.equal(end.url.startsWith(`${server.url}/settings/credential`), true, end.url);
    const session = b.cookie(new URL(server.url).origin, 'airlock_session');
    assert.ok(session, 'a session cookie was set');
    const profile = await (await fetch(`${server.url}/api/me/profile`, { headers: { cookie: `airlock_session=${session}` } })).json() as { profile?: Record<string, unknown> } & Record<string, unknown>;
    const fields = (profile.profile ?? profile) as Record<string, unknown>;
    assert.equal(fields.fullName, 'Ursula Uni');
    assert.equal(fields.institution, 'University of Testing');
    const user = await findUserByEmail(server.runtime.deps.db, 'ursula@uni.example.org');
    assert.equal(user?.username, 'ursula');
    assert.equal(user?.passwordHash, null);
    // Claims describe the person; they never make them a credentialed researcher.
    assert.equal(await hasActiveCredential(server.runtime.deps.db, user!.id), false);
  });

  it('signs the same provider account into the same Airlock account the next time', async () => {
    idp.as('u-100');
    const b = browser();
    const end = await b.follow(`${server.url}/login/oidc/uni`);
    assert.equal(end.url, `${server.url}/`);
    assert.ok(b.cookie(new URL(server.url).origin, 'airlock_session'));
    assert.equal(await findUserByUsername(server.runtime.deps.db, 'ursula-2'), undefined);
  });

  it('does not take over a local account with the same email; its owner signs in first, then links', async () => {
    const lena = await server.createUser('lena');
    idp.accounts.set('u-200', { ...idp.accounts.get('u-200')!, email: 'lena@example.org' });
    idp.as('u-200');
    const stranger = browser();
    const refused = await stranger.follow(`${server.url}/login/oidc/uni`);
    assert.equal(refused.res?.status, 409);
    assert.equal(((await refused.res!.json()) as { code: string }).code, 'oidc_link_required');

    const owner = browser();
    owner.setCookie(new URL(server.url).origin, await signIn(server, 'lena', lena.password));
    const linked = await owner.follow(`${server.url}/login/oidc/uni`);
    assert.equal(linked.url, `${server.url}/`);
    // From now on the provider signs in to the local account, without its password.
    const later = browser();
    await later.follow(`${server.url}/login/oidc/uni`);
    const session = later.cookie(new URL(server.url).origin, 'airlock_session')!;
    const profile = await (await fetch(`${server.url}/api/me/profile`, { headers: { cookie: `airlock_session=${session}` } })).json() as Record<string, unknown>;
    assert.match(JSON.stringify(profile), /Lena Local|Institute of Examples/);
    assert.equal(await findUserByUsername(server.runtime.deps.db, 'lena-2'), undefined);
  });

  it('refuses a callback with a wrong state, and a real callback replayed', async () => {
    const wrong = await fetch(`${server.url}/login/oidc/uni/callback?code=abc&state=not-the-state`, { redirect: 'manual' });
    assert.equal(wrong.status, 400);
    assert.equal(((await wrong.json()) as { code: string }).code, 'oidc_state_invalid');
    assert.equal((await fetch(`${server.url}/login/oidc/uni/callback?code=abc`, { redirect: 'manual' })).status, 400);

    idp.as('u-100');
    const b = browser();
    const stopped = await b.follow(`${server.url}/login/oidc/uni`, /\/login\/oidc\/uni\/callback\?/);
    assert.equal((await b.get(stopped.url)).status, 303);
    const replay = await b.get(stopped.url);
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as { code: string }).code, 'oidc_state_invalid');
  });
});

describe('the sign-in page', () => {
  it('offers each configured provider', async () => {
    const server = await startTestServer({ config: { oidcProviders: [{ id: 'uni', name: 'University', issuer: 'https://idp.example.org', clientId: 'airlock', affiliationClaim: 'affiliation' }] } });
    try {
      const html = await (await fetch(`${server.url}/login?next=/trainings`, { headers: { accept: 'text/html' } })).text();
      assert.match(html, /href="\/login\/oidc\/uni\?next=%2Ftrainings">University<\/a>/);
    } finally {
      await server.close();
    }
  });
});
