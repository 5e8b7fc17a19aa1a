import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { downloadFile } from '@huggingface/hub';
import { caught } from '../../../test/support/hub-client.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { RESPONSIBLE_RESEARCH } from '../trainings/trainings.shipped.ts';

const REVIEWED = 'alice/trained-lm';
const AGREEMENT = 'alice/terms-lm';
const SLUG = RESPONSIBLE_RESEARCH.slug;
const RIGHT = Object.fromEntries(RESPONSIBLE_RESEARCH.questions.map((q) => [q.id, q.answer]));

describe('the gate message before any grant names the first requirement to meet', () => {
  let server: TestServer;
  let owner: string;
  let bob: string;
  const policy = (repo: string, body: unknown) => server.api('PUT', `/api/models/${repo}/access-policy`, { token: owner, json: body });
  const refusal = async (repo: string) => {
    const res = await server.api('GET', `/${repo}/resolve/main/weights.bin`, { token: bob });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-error-code'), 'GatedRepo');
    return ((await res.json()) as { error: string }).error;
  };

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    await server.createUser('bob');
    owner = await server.createToken('alice');
    bob = await server.createToken('bob');
    for (const [repo, accessLevel] of [[REVIEWED, 'reviewed'], [AGREEMENT, 'agreement']] as const) {
      await createRepo(server, owner, repo, { accessLevel });
      await uploadFiles(server, owner, repo, { 'weights.bin': 'weights' });
      assert.equal((await policy(repo, { requiresCredential: true, requiredTrainings: [SLUG] })).status, 200);
    }
    assert.equal((await server.api('PUT', `/api/models/${REVIEWED}/agreement`, { token: owner, json: { title: 'Research use', text: 'Research use only; never redistribute the weights.' } })).status, 201);
  });
  after(() => server.close());

  it('names the missing credential first, with where to apply for it, through the Hugging Face client too', async () => {
    const message = await refusal(REVIEWED);
    assert.match(message, /you need an approved access application, and before applying you must hold researcher credentials: apply for them at \S+\/settings\/credential\. Then apply at /);
    const error = await caught(() => downloadFile({ repo: REVIEWED, path: 'weights.bin', hubUrl: server.url, accessToken: bob }));
    assert.equal(error.statusCode, 403);
    assert.match(error.message, /researcher credentials/);
  });

  it('names a required training once no credential is needed, with the course address', async () => {
    assert.equal((await policy(REVIEWED, { requiresCredential: false, requiredTrainings: [SLUG] })).status, 200);
    const message = await refusal(REVIEWED);
    assert.ok(message.includes(`before applying you must complete the training "${RESPONSIBLE_RESEARCH.title}" at ${server.url}/trainings/${SLUG}. Then apply at ${server.url}/${REVIEWED}`), message);
  });

  it('names the training on an agreement-level repository before asking to accept its conditions', async () => {
    assert.equal((await policy(AGREEMENT, { requiresCredential: false, requiredTrainings: [SLUG] })).status, 200);
    assert.match(await refusal(AGREEMENT), /you have not accepted its conditions\. First, you must complete the training "[^"]+" at \S+\/trainings\/\S+\. Then read and accept them at /);
  });

  it('asks only for the application, which signs the agreement, once every other requirement is met', async () => {
    assert.equal((await server.api('POST', `/api/trainings/${SLUG}/attempts`, { token: bob, json: { answers: RIGHT } })).status, 201);
    assert.equal(await refusal(REVIEWED), `Access to model ${REVIEWED} is restricted: you need an approved access application. Apply at ${server.url}/${REVIEWED} (the application signs version 1 of its agreement "Research use")`);
    assert.match(await refusal(AGREEMENT), /you have not accepted its conditions\. Read and accept them at /);
  });
});
