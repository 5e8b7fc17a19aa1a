import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';

describe('an access application whose body is JSON but not an object', () => {
  let server: TestServer;
  let token: string;

  before(async () => {
    // `changes`: the reviewed repository is created directly; release review has its own tests.
    server = await startTestServer({ config: { releaseReview: 'changes' } });
    await server.createUser('pub');
    await server.createUser('rita');
    await createRepo(server, await server.createToken('pub'), 'pub/gated', { accessLevel: 'reviewed' });
    token = await server.createToken('rita');
  });
  after(() => server.close());

  it('is refused with a 400 naming the body when it is a list, a string or a number', async () => {
    for (const body of ['[]', '"apply"', '42']) {
      const res = await server.api('POST', '/api/models/pub/gated/access-requests', { token, body, headers: { 'Content-Type': 'application/json' } });
      const problem = (await res.json()) as { code: string; field?: string };
      assert.equal(res.status, 400, `${body}: ${JSON.stringify(problem)}`);
      assert.equal(problem.field, 'body', body);
    }
  });

  it('takes null like an empty body (an application with no answers), not as a server error', async () => {
    const res = await server.api('POST', '/api/models/pub/gated/access-requests', { token, body: 'null', headers: { 'Content-Type': 'application/json' } });
    const application = (await res.json()) as { status: string; purpose: string };
    assert.equal(res.status, 201, JSON.stringify(application));
    assert.equal(application.status, 'submitted');
  });
});
