import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';
import { respondDirect, sendDirectBodies } from './direct-body.ts';
import { EXPOSED_HEADERS, fixedHeaders, publicCors, SECURITY_HEADERS } from './fixed-headers.ts';

/** A small app with the same middleware order as the real one, plus routes that exercise each path. */
function testApp() {
  const app = new Hono<AppEnv>();
  const bodyCalls = { sent: 0, cancelled: 0 };
  app.onError((error, c) => c.json({ error: error.message }, 500));
  app.use(sendDirectBodies);
  app.use(fixedHeaders(SECURITY_HEADERS));
  app.use('/api/*', publicCors(['GET', 'POST']));
  app.get('/api/plain', (c) => c.json({ ok: true }));
  app.get('/api/own-frame-options', (c) => c.body('x', 200, { 'X-Frame-Options': 'DENY' }));
  app.get('/api/fails', () => {
    throw new Error('broken');
  });
  app.get('/api/direct', (c) =>
    respondDirect(c, 200, { 'Content-Type': 'text/plain', 'Content-Length': '5', 'X-Handler': 'yes' }, {
      send: async (out) => {
        out.end('hello');
      },
      cancel: async () => {},
    }),
  );
  // A middleware that adds a header once the handler has answered makes Hono copy the response.
  app.use('/api/direct-late', async (c, next) => {
    await next();
    c.header('X-Late', 'added');
  });
  app.get('/api/direct-late', (c) =>
    respondDirect(c, 200, { 'Content-Type': 'text/plain', 'Content-Length': '5' }, {
      send: async (out) => {
        out.end('later');
      },
      cancel: async () => {},
    }),
  );
  // An error once the handler has answered replaces the response: the direct body must be let go.
  app.use('/api/direct-then-error', async (_c, next) => {
    await next();
    throw new Error('after the handler');
  });
  app.get('/api/direct-then-error', (c) =>
    respondDirect(c, 200, { 'Content-Type': 'text/plain', 'Content-Length': '5' }, {
      send: async (out) => {
        bodyCalls.sent++;
        out.end('never');
      },
      cancel: async () => {
        bodyCalls.cancelled++;
      },
    }),
  );
  return { app, bodyCalls };
}

const headerMap = (res: Response) => Object.fromEntries([...res.headers].filter(([name]) => !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)));

describe('fixed response headers', () => {
  const { app, bodyCalls } = testApp();
  let server: ServerType;
  let url: string;
  before(async () => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends every security header and the CORS headers on an API answer over HTTP', async () => {
    const res = await fetch(`${url}/api/plain`);
    for (const [name, value] of SECURITY_HEADERS) assert.equal(res.headers.get(name), value, name);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('access-control-expose-headers'), EXPOSED_HEADERS.join(','));
  });

  it('sends the same headers over HTTP as through app.request, where there is no Node response', async () => {
    for (const path of ['/api/plain', '/api/own-frame-options', '/api/fails']) {
      const overHttp = await fetch(`${url}${path}`);
      const inProcess = await app.request(path);
      assert.deepEqual(headerMap(overHttp), headerMap(inProcess), path);
    }
  });

  it("keeps a handler's own value for a header it sets itself", async () => {
    const res = await fetch(`${url}/api/own-frame-options`);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });

  it('sends them on an error answer too', async () => {
    const res = await fetch(`${url}/api/fails`);
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('content-security-policy'), SECURITY_HEADERS[0]![1]);
  });

  it('answers a CORS preflight with the allowed methods and headers', async () => {
    const res = await fetch(`${url}/api/plain`, { method: 'OPTIONS', headers: { Origin: 'https://elsewhere.example', 'Access-Control-Request-Method': 'POST' } });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET,POST');
    assert.equal(res.headers.get('access-control-allow-headers'), 'Authorization,Range,Content-Type');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
  });

  it("writes a direct body with the handler's headers over the fixed ones, and never the internal marker", async () => {
    const res = await fetch(`${url}/api/direct`);
    assert.equal(await res.text(), 'hello');
    assert.equal(res.headers.get('x-handler'), 'yes');
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.ok(![...res.headers.keys()].some((name) => name.startsWith('x-airlock')), 'no internal header leaks');
  });

  it('still writes a direct body, with the late header, when a middleware adds one after the handler', async () => {
    const res = await fetch(`${url}/api/direct-late`);
    assert.equal(await res.text(), 'later');
    assert.equal(res.headers.get('x-late'), 'added');
    assert.ok(![...res.headers.keys()].some((name) => name.startsWith('x-airlock')), 'no internal header leaks');
  });

  it('lets a direct body go, unsent, when an error after the handler replaces the answer', async () => {
    const res = await fetch(`${url}/api/direct-then-error`);
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { error: 'after the handler' });
    assert.deepEqual(bodyCalls, { sent: 0, cancelled: 1 });
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.ok(![...res.headers.keys()].some((name) => name.startsWith('x-airlock')), 'no internal header leaks');
  });
});
