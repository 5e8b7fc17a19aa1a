import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../test/support/test-server.ts';
import { createApp } from './app.ts';

const TOKEN = 'metrics-token-0123456789abcdef';

/** The value of one sample in Prometheus' text format, or 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelPart = line.includes('{') ? line.slice(line.indexOf('{') + 1, line.indexOf('}')) : '';
    if (wanted.every((w) => labelPart.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('/metrics exposes request, download, gate and queue metrics to the holder of the token', () => {
  let server: TestServer;
  let owner: string;
  const scrape = async () => {
    const res = await server.api('GET', '/metrics', { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    return res.text();
  };

  before(async () => {
    server = await startTestServer({ config: { metricsToken: TOKEN } });
    await server.createUser('lab');
    owner = await server.createToken('lab');
    await createRepo(server, owner, 'lab/open');
    await createRepo(server, owner, 'lab/gated', { accessLevel: 'reviewed' });
    await uploadFiles(server, owner, 'lab/open', { 'weights.bin': Buffer.alloc(5000, 1) });
    await uploadFiles(server, owner, 'lab/gated', { 'weights.bin': Buffer.alloc(10, 1) });
  });
  after(() => server.close());

  it('refuses a scrape without the token or with another one, even from loopback', async () => {
    assert.equal((await server.api('GET', '/metrics')).status, 401);
    assert.equal((await server.api('GET', '/metrics', { headers: { Authorization: 'Bearer not-the-token' } })).status, 401);
    // An Airlock API token is not the metrics token either.
    assert.equal((await server.api('GET', '/metrics', { token: owner })).status, 401);
  });

  it('counts requests by route pattern and status, bytes served and gate decisions by outcome', async () => {
    const before = await scrape();
    const route = { method: 'GET', route: '/:namespace/:name/resolve/*', status: '200' };
    const download = await server.api('GET', '/lab/open/resolve/main/weights.bin');
    assert.equal((await download.arrayBuffer()).byteLength, 5000);
    assert.equal((await server.api('HEAD', '/lab/open/resolve/main/weights.bin')).status, 200);
    assert.equal((await server.api('GET', '/lab/gated/resolve/main/weights.bin')).status, 401);
    await new Promise((r) => setTimeout(r, 50)); // the transfer's end is counted when the stream closes
    const afterText = await scrape();
    assert.equal(sample(afterText, 'airlock_http_requests_total', route) - sample(before, 'airlock_http_requests_total', route), 1);
    assert.equal(sample(afterText, 'airlock_http_requests_total', { ...route, method: 'HEAD' }) - sample(before, 'airlock_http_requests_total', { ...route, method: 'HEAD' }), 1);
    assert.equal(sample(afterText, 'airlock_download_bytes_total') - sample(before, 'airlock_download_bytes_total'), 5000);
    assert.equal(sample(afterText, 'airlock_gate_decisions_total', { outcome: 'allowed' }) - sample(before, 'airlock_gate_decisions_total', { outcome: 'allowed' }), 2);
    assert.equal(sample(afterText, 'airlock_gate_decisions_total', { outcome: 'denied' }) - sample(before, 'airlock_gate_decisions_total', { outcome: 'denied' }), 1);
    assert.equal(sample(afterText, 'airlock_active_downloads'), 0);
    assert.doesNotMatch(afterText, /route="\/lab\/open/, 'raw paths must not become labels');
  });

  it('shows an active download while its body is still being read', async () => {
    await uploadFiles(server, owner, 'lab/open', { 'big.bin': Buffer.alloc(8 * 1024 * 1024, 2) });
    const res = await server.api('GET', '/lab/open/resolve/main/big.bin');
    const reader = res.body!.getReader();
    await reader.read();
    assert.ok(sample(await scrape(), 'airlock_active_downloads') >= 1);
    await reader.cancel();
  });

  it('reports the depth of the mail and webhook queues', async () => {
    const text = await scrape();
    assert.match(text, /airlock_queue_depth\{queue="mail"\} \d+/);
    assert.match(text, /airlock_queue_depth\{queue="webhooks"\} \d+/);
  });

  it('puts an X-Request-Id on every answer: pages, errors, downloads and metrics', async () => {
    for (const res of [await server.api('GET', '/metrics'), await server.api('GET', '/no/such/thing/here'), await server.api('HEAD', '/lab/open/resolve/main/weights.bin'), await server.api('GET', '/healthz')]) {
      assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    }
  });
});

describe('/metrics without a token', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(() => server.close());

  it('answers loopback callers', async () => {
    assert.equal((await server.api('GET', '/metrics')).status, 200);
  });

  it('refuses a caller whose address is not loopback', async () => {
    // Through the app directly there is no socket, so no loopback address to trust.
    const res = await createApp(server.runtime.deps).request('/metrics');
    assert.equal(res.status, 403);
  });
});
