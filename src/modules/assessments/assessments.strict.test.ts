import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { COMPLETE } from '../../../test/support/assessments.ts';

describe('release review at creation (strict, the default)', () => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    token = await server.createToken('alice');
  });
  after(() => server.close());

  it('refuses to create a gated repository before any assessment, naming the level', async () => {
    const res = await server.api('POST', '/api/repos', { token, json: { repo: 'alice/lm', accessLevel: 'reviewed' } });
    const body = (await res.json()) as { code: string; field: string; detail: string };
    assert.equal(res.status, 409);
    assert.deepEqual([body.code, body.field], ['assessment_required', 'accessLevel']);
    assert.match(body.detail, /no-download/);
    assert.equal((await server.api('GET', '/api/models/alice/lm')).status, 404, 'nothing was created');
  });

  it('lets the publisher create it at no-download, submit an assessment, then gate it', async () => {
    assert.equal((await server.api('POST', '/api/repos', { token, json: { repo: 'alice/lm', accessLevel: 'no-download' } })).status, 201);
    assert.equal((await server.api('POST', '/api/repos', { token, json: { repo: 'alice/open-lm', accessLevel: 'open' } })).status, 201, 'open needs no assessment');
    const patch = () => server.api('PATCH', '/api/models/alice/lm/settings', { token, json: { accessLevel: 'reviewed' } });
    assert.equal((await patch()).status, 409);
    assert.equal((await server.api('POST', '/api/models/alice/lm/assessment/submit', { token, json: { ...COMPLETE, accessLevel: 'reviewed' } })).status, 201);
    assert.equal((await patch()).status, 200);
  });
});

describe('release review of changes only (AIRLOCK_RELEASE_REVIEW=changes)', () => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer({ config: { releaseReview: 'changes' } });
    await server.createUser('alice');
    token = await server.createToken('alice');
  });
  after(() => server.close());

  it('creates a gated repository at once, and still asks for an assessment before it opens up', async () => {
    assert.equal((await server.api('POST', '/api/repos', { token, json: { repo: 'alice/lm', accessLevel: 'reviewed' } })).status, 201);
    const res = await server.api('PATCH', '/api/models/alice/lm/settings', { token, json: { accessLevel: 'agreement' } });
    assert.equal(res.status, 409);
    assert.equal(((await res.json()) as { code: string }).code, 'assessment_required');
  });
});
