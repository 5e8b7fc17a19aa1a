import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applicationApi, json, problem, STATEMENT, type Application } from '../../../test/support/applications.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { RESPONSIBLE_RESEARCH } from '../trainings/trainings.shipped.ts';
import { findRepository } from '../repos/repos.repository.ts';
import { upsertReapplicationBlock } from './grants.repository.ts';

const REPO = 'pub/returned-lm';
const SLUG = RESPONSIBLE_RESEARCH.slug;
const RIGHT = Object.fromEntries(RESPONSIBLE_RESEARCH.questions.map((q) => [q.id, q.answer]));

describe('a returned application sent again passes the same eligibility checks as a first submission', () => {
  let server: TestServer;
  let api: ReturnType<typeof applicationApi>;
  const t: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const returned = async (token: string) => {
    const app = await json<Application>(await api.apply(token, { purpose: STATEMENT }), 201);
    await json(await api.vote(t.pub!, app.id, 'return', 'Name your ethics approval in the statement.'), 201);
    return app.id;
  };
  const statusOf = async (token: string, id: string) => (await json<Application>(await api.get(token, id), 200)).status;

  before(async () => {
    server = await startTestServer();
    for (const name of ['pub', 'rita', 'carol']) {
      ids[name] = (await server.createUser(name)).id;
      t[name] = await server.createToken(name);
    }
    await createRepo(server, t.pub!, REPO, { accessLevel: 'reviewed' });
    await uploadFiles(server, t.pub!, REPO, { 'weights.bin': 'weights' });
    api = applicationApi(server, REPO);
  });
  after(() => server.close());

  it('refuses to resubmit until a training the policy now requires is passed, and leaves the application returned', async () => {
    const id = await returned(t.rita!);
    await json(await api.setPolicy(t.pub!, { requiredTrainings: [SLUG] }), 200);
    const refused = await problem(await api.submit(t.rita!, id), 403, 'training_required');
    assert.ok(refused.error.includes(`${server.url}/trainings/${SLUG}`), refused.error);
    assert.equal(await statusOf(t.rita!, id), 'returned');
    await json(await server.api('POST', `/api/trainings/${SLUG}/attempts`, { token: t.rita!, json: { answers: RIGHT } }), 201);
    assert.equal((await json<Application>(await api.submit(t.rita!, id), 200)).status, 'submitted');
    await json(await api.setPolicy(t.pub!, { requiredTrainings: [] }), 200);
  });

  it('refuses to resubmit for a user barred from applying again, naming the reason', async () => {
    const id = await returned(t.carol!);
    // The bar a revocation records (a revocation needs a grant, which would decide the open application: so set directly).
    const db = server.runtime.deps.db;
    const repo = (await findRepository(db, 'model', 'pub', 'returned-lm'))!;
    await upsertReapplicationBlock(db, { repoId: repo.id, userId: ids.carol!, reason: 'shared the weights', grantId: null, blockedBy: ids.pub!, createdAt: new Date() });
    const refused = await problem(await api.submit(t.carol!, id), 403, 'reapplication_blocked');
    assert.match(refused.error, /shared the weights/);
    assert.equal(await statusOf(t.carol!, id), 'returned');
  });
});
