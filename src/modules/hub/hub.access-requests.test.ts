import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { downloadFile } from '@huggingface/hub';
import { caught } from '../../../test/support/hub-client.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

type AccessRequest = { user: { user: string; fullname: string; email: string }; status: string; timestamp: string; fields: Record<string, unknown>; rejectionReason?: string };

describe('access requests and the Hub owner API', () => {
  let server: TestServer;
  let owner: string;
  const tokens: Record<string, string> = {};
  const list = async (repo: string, status: string, token = owner) => {
    const res = await server.api('GET', `/api/models/${repo}/user-access-request/${status}`, { token });
    assert.equal(res.status, 200);
    return (await res.json()) as AccessRequest[];
  };
  const canDownload = async (repo: string, user: string) => {
    const blob = await downloadFile({ repo, path: 'model.bin', hubUrl: server.url, accessToken: tokens[user] });
    return (await blob!.text()) === 'weights';
  };

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    owner = await server.createToken('alice');
    for (const name of ['bob', 'carol', 'dave']) {
      await server.createUser(name);
      tokens[name] = await server.createToken(name);
    }
    tokens.bobRead = await server.createToken('bob', 'read');
    await createRepo(server, owner, 'alice/agree-lm', { accessLevel: 'agreement' });
    await createRepo(server, owner, 'alice/review-lm', { accessLevel: 'reviewed' });
    for (const repo of ['alice/agree-lm', 'alice/review-lm']) await uploadFiles(server, owner, repo, { 'model.bin': 'weights' });
  });
  after(() => server.close());

  it('grants access at once in an agreement repo when the user accepts the conditions', async () => {
    const before = await caught(() => canDownload('alice/agree-lm', 'bob'));
    assert.equal(before.statusCode, 403);
    assert.match(before.message, /you have not accepted its conditions/);
    const res = await server.api('POST', '/api/models/alice/agree-lm/access-requests', { token: tokens.bob, json: { fields: { affiliation: 'Uni', purpose: 'safety research' } } });
    assert.equal(res.status, 201);
    // Airlock's own API answers in the application vocabulary; the Hub owner API below still says "accepted".
    assert.equal(((await res.json()) as { status: string }).status, 'approved');
    assert.equal(await canDownload('alice/agree-lm', 'bob'), true);
    const [accepted] = await list('alice/agree-lm', 'accepted');
    assert.deepEqual({ user: accepted!.user, status: accepted!.status, fields: accepted!.fields }, {
      user: { user: 'bob', fullname: 'bob Example', email: 'bob@example.org' }, status: 'accepted', fields: { affiliation: 'Uni', purpose: 'safety research' },
    });
  });

  it('asks an anonymous user to sign in before accepting conditions, and a read token cannot accept them', async () => {
    const anonymous = await server.api('POST', '/api/models/alice/agree-lm/access-requests', { json: {} });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('x-error-code'), 'GatedRepo');
    const readOnly = await server.api('POST', '/api/models/alice/agree-lm/access-requests', { token: tokens.bobRead, json: {} });
    assert.equal(readOnly.status, 403);
  });

  it('keeps a request in a reviewed repo pending, and tells the user it awaits review', async () => {
    const res = await server.api('POST', '/api/models/alice/review-lm/access-requests', { token: tokens.carol, json: { fields: { purpose: 'red teaming' } } });
    assert.equal(res.status, 201);
    assert.equal(((await res.json()) as { status: string }).status, 'submitted');
    const error = await caught(() => canDownload('alice/review-lm', 'carol'));
    assert.equal(error.statusCode, 403);
    assert.match(error.message, /Your request to access model alice\/review-lm is awaiting a review/);
  });

  it('lists pending requests in the shape HfApi.list_pending_access_requests reads', async () => {
    const pending = await list('alice/review-lm', 'pending');
    assert.equal(pending.length, 1);
    const [request] = pending;
    assert.deepEqual(Object.keys(request!).sort(), ['fields', 'status', 'timestamp', 'user']);
    assert.deepEqual(request!.user, { user: 'carol', fullname: 'carol Example', email: 'carol@example.org' });
    assert.equal(request!.status, 'pending');
    assert.match(request!.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.deepEqual(request!.fields, { purpose: 'red teaming' });
    assert.deepEqual(await list('alice/review-lm', 'accepted'), []);
  });

  it('moves an accepted request to the accepted list and lets the user download', async () => {
    const res = await server.api('POST', '/api/models/alice/review-lm/user-access-request/handle', { token: owner, json: { user: 'carol', status: 'accepted' } });
    assert.equal(res.status, 200);
    assert.deepEqual((await list('alice/review-lm', 'accepted')).map((r) => [r.user.user, r.status]), [['carol', 'accepted']]);
    assert.deepEqual(await list('alice/review-lm', 'pending'), []);
    assert.equal(await canDownload('alice/review-lm', 'carol'), true);
  });

  it('moves a rejected request to the rejected list with its reason and stops downloads', async () => {
    const res = await server.api('POST', '/api/models/alice/review-lm/user-access-request/handle', { token: owner, json: { user: 'carol', status: 'rejected', rejectionReason: 'no ethics approval' } });
    assert.equal(res.status, 200);
    const rejected = await list('alice/review-lm', 'rejected');
    assert.deepEqual(rejected.map((r) => [r.user.user, r.status, r.rejectionReason]), [['carol', 'rejected', 'no ethics approval']]);
    assert.deepEqual(await list('alice/review-lm', 'accepted'), []);
    assert.equal((await caught(() => canDownload('alice/review-lm', 'carol'))).statusCode, 403);
  });

  it('lists a user granted directly, without a request of their own, as accepted', async () => {
    const res = await server.api('POST', '/api/models/alice/review-lm/user-access-request/grant', { token: owner, json: { user: 'dave' } });
    assert.equal(res.status, 200);
    assert.deepEqual((await list('alice/review-lm', 'accepted')).map((r) => r.user.user), ['dave']);
    assert.equal(await canDownload('alice/review-lm', 'dave'), true);
  });

  it('moves a rejected user to the accepted list when the owner grants them access', async () => {
    const res = await server.api('POST', '/api/models/alice/review-lm/user-access-request/grant', { token: owner, json: { user: 'carol' } });
    assert.equal(res.status, 200);
    assert.deepEqual(await list('alice/review-lm', 'rejected'), []);
    assert.deepEqual((await list('alice/review-lm', 'accepted')).map((r) => r.user.user).sort(), ['carol', 'dave']);
    assert.equal(await canDownload('alice/review-lm', 'carol'), true);
  });

  it('refuses the owner API to anyone but the publishers, and refuses bad input naming the field', async () => {
    const asUser = await server.api('GET', '/api/models/alice/review-lm/user-access-request/pending', { token: tokens.bob });
    assert.equal(asUser.status, 403);
    const anonymous = await server.api('GET', '/api/models/alice/review-lm/user-access-request/pending');
    assert.equal(anonymous.status, 401);
    const grantAsUser = await server.api('POST', '/api/models/alice/review-lm/user-access-request/grant', { token: tokens.bob, json: { user: 'bob' } });
    assert.equal(grantAsUser.status, 403);
    const badStatus = await server.api('GET', '/api/models/alice/review-lm/user-access-request/maybe', { token: owner });
    assert.equal(badStatus.status, 400);
    assert.equal(((await badStatus.json()) as { field: string }).field, 'status');
    const badHandle = await server.api('POST', '/api/models/alice/review-lm/user-access-request/handle', { token: owner, json: { user: 'carol', status: 'maybe' } });
    assert.equal(badHandle.status, 400);
    assert.equal(((await badHandle.json()) as { field: string }).field, 'status');
    const unknownUser = await server.api('POST', '/api/models/alice/review-lm/user-access-request/grant', { token: owner, json: { user: 'nobody' } });
    assert.equal(unknownUser.status, 404);
    assert.equal(((await unknownUser.json()) as { field: string }).field, 'user');
  });
});
