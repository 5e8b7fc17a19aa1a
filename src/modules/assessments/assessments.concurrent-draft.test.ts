import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';

/**
 * Found by the form fuzz on PostgreSQL: two first saves of a draft at once both found no draft,
 * and the second insert broke the one-draft unique index (a 500). PGlite runs one query at a time,
 * so this fails only with AIRLOCK_TEST_DATABASE_URL set, as CI's PostgreSQL run does.
 */
describe('saving the first assessment draft from several requests at once', () => {
  let server: TestServer;
  let token: string;

  before(async () => {
    server = await startTestServer();
    await server.createUser('pub');
    token = await server.createToken('pub');
  });
  after(() => server.close());

  it('answers every save with 200 and keeps one draft holding one of the saved texts (the unique index allows no second)', async () => {
    for (let round = 0; round < 3; round++) {
      const repo = `pub/draft-race-${round}`;
      await createRepo(server, token, repo);
      const texts = Array.from({ length: 6 }, (_, i) => `Intended use number ${i}.`);
      const answers = await Promise.all(texts.map((intendedUses) => server.api('PUT', `/api/models/${repo}/assessment/draft`, { token, json: { intendedUses } })));
      assert.deepEqual(answers.map((r) => r.status), texts.map(() => 200), (await Promise.all(answers.map((r) => r.text()))).join('\n'));
      const state = (await (await server.api('GET', `/api/models/${repo}/assessment`, { token })).json()) as { draft: { content: { intendedUses: string } } | null };
      assert.ok(texts.includes(state.draft!.content.intendedUses), JSON.stringify(state));
    }
  });
});
