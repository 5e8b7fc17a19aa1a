import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app/app.ts';
import { signIn } from '../support/web-client.ts';
import { createRepo, startTestServer, type TestServer } from '../support/test-server.ts';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const REFUSAL = /csrf_rejected|sent from another site/;

/** A concrete path for a route pattern: every parameter and wildcard gets a plausible value. */
function concretePath(pattern: string) {
  return pattern
    .replace(/:namespace(\{[^}]*\})?/g, 'alice')
    .replace(/:name(\{[^}]*\})?/g, 'csrf-lm')
    .replace(/:username(\{[^}]*\})?/g, 'alice')
    .replace(/:[A-Za-z_]+(\{[^}]*\})?/g, '00000000-0000-4000-8000-000000000000')
    .replace(/\*/g, 'main/README.md');
}

describe('cross-site requests with a session cookie, on every state-changing route', () => {
  let server: TestServer;
  let cookie: string;
  let routes: { method: string; path: string }[];

  before(async () => {
    server = await startTestServer();
    const alice = await server.createUser('alice');
    await createRepo(server, await server.createToken('alice'), 'alice/csrf-lm');
    cookie = await signIn(server, 'alice', alice.password);
    const seen = new Set<string>();
    routes = createApp(server.runtime.deps).routes
      .filter((r) => STATE_CHANGING.has(r.method))
      .filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`));
  });
  after(() => server?.close());

  const send = (method: string, path: string, origin: string | null) =>
    fetch(`${server.url}${path}`, {
      method,
      redirect: 'manual',
      headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) },
      body: 'x=1',
    });

  it('finds the application\'s state-changing routes', () => {
    assert.ok(routes.length > 50, `only ${routes.length} routes`);
  });

  it('refuses each one from another site\'s Origin, and each one with a session but no Origin or Referer', async () => {
    const failures: string[] = [];
    for (const { method, path: pattern } of routes) {
      const path = concretePath(pattern);
      for (const origin of ['https://evil.example', null]) {
        const res = await send(method, path, origin);
        const text = await res.text();
        if (res.status !== 403 || !REFUSAL.test(text)) failures.push(`${method} ${pattern} (origin ${origin}): ${res.status}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('refuses a cross-site Referer when there is no Origin', async () => {
    const res = await fetch(`${server.url}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, referer: 'https://evil.example/page' } });
    assert.equal(res.status, 403);
  });

  it('lets each one through from our own Origin, so the refusal above is the CSRF check and not a missing route', async () => {
    const refusedFromHome: string[] = [];
    // Sign-out ends the session the other requests ride on: it goes last.
    const ordered = [...routes].sort((a, b) => Number(a.path === '/logout') - Number(b.path === '/logout'));
    for (const { method, path: pattern } of ordered) {
      const res = await send(method, concretePath(pattern), server.url);
      if (REFUSAL.test(await res.text())) refusedFromHome.push(`${method} ${pattern}`);
    }
    assert.deepEqual(refusedFromHome, []);
  });
});
