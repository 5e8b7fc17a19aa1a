import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createScratchDatabase } from '../../../test/support/scratch-database.ts';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { postgresUnavailable, SHARED_POSTGRES_URL } from '../../../test/support/shared-postgres.ts';

const BASE = SHARED_POSTGRES_URL;


const skip = await postgresUnavailable('two instances need a shared database');
if (skip) console.log(`# skipping webhooks.instances: ${skip}`);

describe('two Airlock instances on one PostgreSQL deliver each webhook exactly once', { skip }, () => {
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let one: TestServer;
  let two: TestServer;
  const received: string[] = [];
  let receiver: http.Server;

  before(async () => {
    receiver = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(String(req.headers['x-airlock-delivery']));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    database = await createScratchDatabase(BASE, 'airlock_wh');
    const config = { databaseUrl: database.url, webhookPollMs: 10, webhookTimeoutMs: 2000 };
    // One after the other: the first applies the migrations.
    one = await startTestServer({ config });
    two = await startTestServer({ config });
  });
  after(async () => {
    await one?.close();
    await two?.close();
    await database?.drop();
    receiver?.closeAllConnections();
    receiver?.close();
  });

  it('has both workers racing for the same outbox, and every delivery arrives once', async () => {
    await one.createUser('root', { platformRoles: ['admin'] });
    await one.createUser('lab');
    const admin = await one.createToken('root');
    const lab = await two.createToken('lab');
    assert.equal((await one.api('PUT', '/api/admin/webhook-settings', { token: admin, json: { allowPrivateTargets: true } })).status, 200);
    await createRepo(one, lab, 'lab/model', { accessLevel: 'reviewed' });
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    assert.equal((await two.api('POST', '/api/models/lab/model/webhooks', { token: lab, json: { url } })).status, 201);
    const users = Array.from({ length: 30 }, (_, i) => `user${i}`);
    for (const [i, user] of users.entries()) {
      await one.createUser(user);
      const via = i % 2 ? one : two;
      assert.equal((await via.api('POST', '/api/models/lab/model/grants', { token: lab, json: { user } })).status, 201);
    }
    const deadline = Date.now() + 20_000;
    while (received.length < users.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500)); // time for a duplicate to show up, if any
    assert.equal(received.length, users.length);
    assert.equal(new Set(received).size, users.length, 'a delivery arrived twice');
  });
});
