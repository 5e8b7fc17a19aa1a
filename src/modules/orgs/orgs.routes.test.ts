import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';

describe('organisations over the API', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await server.createUser('founder');
    await server.createUser('member');
  });
  after(() => server.close());

  it('refuses to create an organisation anonymously or with a read-only token', async () => {
    assert.equal((await server.api('POST', '/api/orgs', { json: { name: 'lab' } })).status, 401);
    assert.equal((await server.api('POST', '/api/orgs', { token: await server.createToken('founder', 'read'), json: { name: 'lab' } })).status, 403);
  });

  it('creates one with a write token, making its creator an admin who can add members', async () => {
    const token = await server.createToken('founder', 'write');
    assert.equal((await server.api('POST', '/api/orgs', { token, json: { name: 'lab' } })).status, 201);
    assert.equal((await server.api('PUT', '/api/orgs/lab/members/member', { token, json: { role: 'write' } })).status, 200);
    const memberToken = await server.createToken('member', 'write');
    assert.equal((await server.api('PUT', '/api/orgs/lab/members/founder', { token: memberToken, json: { role: 'read' } })).status, 403);
  });

  it('refuses a name taken by a user, naming the field', async () => {
    const res = await server.api('POST', '/api/orgs', { token: await server.createToken('founder', 'write'), json: { name: 'member' } });
    assert.equal(res.status, 409);
    assert.equal(((await res.json()) as { field: string }).field, 'name');
  });
});
