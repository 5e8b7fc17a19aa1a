import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { json, problem, STATEMENT } from '../../../test/support/applications.ts';
import { announceExpiredGrants, deliverDue } from './webhooks.delivery.ts';
import { verifySignature } from './webhooks.models.ts';

type Received = { path: string; body: string; payload: { id: string; event: string; repository: { name: string }; user?: { username: string }; data: Record<string, unknown> }; headers: http.IncomingHttpHeaders };

/** A real receiver on loopback. `/hang` leaves its first request unanswered; `/fail` answers 500. */
async function startReceiver() {
  const received: Received[] = [];
  let hung = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      received.push({ path: req.url!, body, payload: JSON.parse(body), headers: req.headers });
      if (req.url === '/hang' && hung++ === 0) return; // never answers: the sender must give up on its own
      res.writeHead(req.url === '/fail' ? 500 : 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, received,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function waitFor<T>(find: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('webhooks are signed, delivered from the outbox, retried and recorded', () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let admin: string;
  let lab: string;
  let rita: string;
  let secret: string;
  let endpointId: string;
  const events = (path: string, event?: string) => receiver.received.filter((r) => r.path === path && (!event || r.payload.event === event));

  before(async () => {
    server = await startTestServer({ config: { webhookTimeoutMs: 300, webhookRetryBaseMs: 300, webhookPollMs: 50 } });
    receiver = await startReceiver();
    await server.createUser('root', { platformRoles: ['admin', 'moderator'] });
    await server.createUser('lab');
    await server.createUser('rita');
    admin = await server.createToken('root');
    lab = await server.createToken('lab');
    rita = await server.createToken('rita');
    await createRepo(server, lab, 'lab/model', { accessLevel: 'reviewed' });
    await server.createOrg('labs', 'lab');
    await createRepo(server, lab, 'labs/data', { accessLevel: 'reviewed', type: 'dataset' });
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });

  it('refuses loopback and plain-http targets until an admin allows private targets', async () => {
    const refused = await problem(await server.api('POST', '/api/models/lab/model/webhooks', { token: lab, json: { url: `${receiver.url}/ok` } }), 400, 'webhook_target_refused', 'url');
    assert.match(refused.error, /https/);
    await problem(await server.api('POST', '/api/models/lab/model/webhooks', { token: lab, json: { url: 'https://127.0.0.1/hook' } }), 400, 'webhook_target_refused', 'url');
    await problem(await server.api('POST', '/api/models/lab/model/webhooks', { token: lab, json: { url: 'https://[::1]/hook' } }), 400, 'webhook_target_refused', 'url');
    await problem(await server.api('PUT', '/api/admin/webhook-settings', { token: lab, json: { allowPrivateTargets: true } }), 403, 'forbidden');
    assert.deepEqual(await json(await server.api('PUT', '/api/admin/webhook-settings', { token: admin, json: { allowPrivateTargets: true } }), 200), { allowPrivateTargets: true });
  });

  it('lets only publishers register endpoints, and shows the secret once', async () => {
    await problem(await server.api('POST', '/api/models/lab/model/webhooks', { token: rita, json: { url: `${receiver.url}/ok` } }), 403, 'forbidden');
    await problem(await server.api('POST', '/api/models/lab/model/webhooks', { token: lab, json: { url: `${receiver.url}/ok`, events: ['access.granted', 'nonsense'] } }), 400, 'invalid_input', 'events.1');
    const created = await json<{ id: string; secret: string; url: string }>(await server.api('POST', '/api/models/lab/model/webhooks', { token: lab, json: { url: `${receiver.url}/ok` } }), 201);
    assert.match(created.secret, /^whsec_/);
    secret = created.secret;
    endpointId = created.id;
    const listed = await json<Record<string, unknown>[]>(await server.api('GET', '/api/models/lab/model/webhooks', { token: lab }), 200);
    assert.deepEqual(listed.map((e) => [e.id, e.secret]), [[created.id, undefined]]);
  });

  it('announces a grant and a revocation with an HMAC-SHA256 signature the receiver can verify', async () => {
    await json(await server.api('POST', '/api/models/lab/model/grants', { token: lab, json: { user: 'rita' } }), 201);
    const granted = await waitFor(() => events('/ok', 'access.granted')[0], 'access.granted');
    assert.equal(granted.payload.repository.name, 'lab/model');
    assert.equal(granted.payload.user?.username, 'rita');
    const timestamp = Number(granted.headers['x-airlock-timestamp']);
    assert.equal(verifySignature(secret, timestamp, granted.body, granted.headers['x-airlock-signature'] as string), true);
    assert.equal(verifySignature(secret, timestamp, granted.body.replace('rita', 'mall'), granted.headers['x-airlock-signature'] as string), false);
    assert.equal(verifySignature('whsec_wrong', timestamp, granted.body, granted.headers['x-airlock-signature'] as string), false);
    await json(await server.api('POST', '/api/models/lab/model/grants/revoke', { token: lab, json: { user: 'rita', reason: 'Project ended.' } }), 200);
    const revoked = await waitFor(() => events('/ok', 'access.revoked')[0], 'access.revoked');
    assert.equal(revoked.headers['x-airlock-event'], 'access.revoked');
  });

  it('announces an access request, and sends organisation endpoints only the events they chose', async () => {
    await json(await server.api('POST', '/api/orgs/labs/webhooks', { token: lab, json: { url: `${receiver.url}/org`, events: ['repo.blocked'] } }), 201);
    await json(await server.api('POST', '/api/datasets/labs/data/access-requests', { token: rita, json: { purpose: STATEMENT } }), 201);
    await json(await server.api('POST', '/api/datasets/labs/data/block', { token: admin, json: { reason: 'Under investigation.' } }), 200);
    const blocked = await waitFor(() => events('/org', 'repo.blocked')[0], 'repo.blocked');
    assert.equal(blocked.payload.repository.name, 'labs/data');
    assert.equal(blocked.payload.data.reason, 'Under investigation.');
    assert.equal(events('/org', 'access.requested').length, 0);
    await server.createUser('sam');
    await json(await server.api('POST', '/api/models/lab/model/access-requests', { token: await server.createToken('sam'), json: { purpose: STATEMENT } }), 201);
    const requested = await waitFor(() => events('/ok', 'access.requested')[0], 'access.requested');
    assert.equal(requested.payload.user?.username, 'sam');
  });

  it('announces a misuse report filed against the repository', async () => {
    const filed = await server.api('POST', '/api/misuse-reports', { token: rita, json: { repo: 'lab/model', category: 'redistribution', description: 'The weights are being re-hosted on a public mirror without the agreement.' } });
    assert.equal(filed.status, 201, await filed.clone().text());
    const reported = await waitFor(() => events('/ok', 'misuse.reported')[0], 'misuse.reported');
    assert.equal(reported.payload.repository.name, 'lab/model');
    assert.equal(reported.payload.data.category, 'redistribution');
    assert.doesNotMatch(reported.body, /rita/, 'the reporter is never named to the publisher');
  });

  it('gives up on a target that hangs after the bounded timeout, and delivers on a later retry', async () => {
    const hang = await json<{ id: string }>(await server.api('POST', '/api/models/lab/model/webhooks', { token: lab, json: { url: `${receiver.url}/hang`, events: ['access.granted'] } }), 201);
    await json(await server.api('POST', '/api/models/lab/model/grants', { token: lab, json: { user: 'rita' } }), 201);
    type Delivery = { status: string; attempts: number; history: { error: string | null; durationMs: number; responseStatus: number | null }[] };
    const history = async () => json<Delivery[]>(await server.api('GET', `/api/webhooks/${hang.id}/deliveries`, { token: lab }), 200);
    const final = await waitFor(async () => (await history()).find((d) => d.status === 'delivered'), 'the retried delivery');
    assert.equal(final.history.length, 2);
    assert.match(final.history[0]!.error ?? '', /timed out after 300 ms/);
    assert.ok(final.history[0]!.durationMs < 2000, `the hanging attempt took ${final.history[0]!.durationMs} ms`);
    assert.equal(final.history[1]!.responseStatus, 204);
    assert.equal(events('/hang').length, 2);
  });

  it('shows the delivery history to the publisher only', async () => {
    const deliveries = await json<{ event: string; status: string; history: unknown[] }[]>(await server.api('GET', `/api/webhooks/${endpointId}/deliveries`, { token: lab }), 200);
    assert.ok(deliveries.some((d) => d.event === 'access.granted' && d.status === 'delivered' && d.history.length === 1));
    await problem(await server.api('GET', `/api/webhooks/${endpointId}/deliveries`, { token: rita }), 403, 'forbidden');
  });

  it('announces a grant that reached its end exactly once', async () => {
    const until = new Date(Date.now() + 500);
    await json(await server.api('POST', '/api/models/lab/model/grants', { token: lab, json: { user: 'root', until: until.toISOString() } }), 201);
    await new Promise((r) => setTimeout(r, 600));
    const counts = await Promise.all([announceExpiredGrants(server.runtime.deps), announceExpiredGrants(server.runtime.deps)]);
    assert.equal(counts[0]! + counts[1]!, 1);
    assert.equal(await announceExpiredGrants(server.runtime.deps), 0);
    const expired = await waitFor(() => events('/ok', 'access.expired')[0], 'access.expired');
    assert.equal(expired.payload.user?.username, 'root');
  });

  it('delivers each outbox row once when several workers claim at the same time', async () => {
    const before = receiver.received.length;
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) {
      await server.createUser(user);
      await json(await server.api('POST', '/api/models/lab/model/grants', { token: lab, json: { user } }), 201);
    }
    const options = { timeoutMs: 1000, retryBaseMs: 1000, pollMs: 50 };
    await Promise.all([deliverDue(server.runtime.deps, options, 2), deliverDue(server.runtime.deps, options, 2), deliverDue(server.runtime.deps, options, 2)]);
    const ids = await waitFor(() => {
      const got = receiver.received.slice(before).filter((r) => r.path === '/ok' && r.payload.event === 'access.granted');
      return got.length >= 6 && got;
    }, 'six grants');
    await new Promise((r) => setTimeout(r, 300));
    const deliveryIds = receiver.received.slice(before).filter((r) => r.path === '/ok').map((r) => r.headers['x-airlock-delivery']);
    assert.equal(new Set(deliveryIds).size, deliveryIds.length, 'a delivery arrived twice');
    assert.equal(ids.length, 6);
  });

  it('refuses a private target at delivery time once private targets are no longer allowed', async () => {
    await json(await server.api('PUT', '/api/admin/webhook-settings', { token: admin, json: { allowPrivateTargets: false } }), 200);
    await json(await server.api('POST', '/api/models/lab/model/grants/revoke', { token: lab, json: { user: 'u1', reason: 'Done.' } }), 200);
    const delivery = await waitFor(async () => {
      const list = await json<{ event: string; lastError: string | null; status: string }[]>(await server.api('GET', `/api/webhooks/${endpointId}/deliveries`, { token: lab }), 200);
      return list.find((d) => d.event === 'access.revoked' && d.lastError !== null);
    }, 'the refused delivery');
    assert.match(delivery.lastError ?? '', /private or loopback/);
  });
});
