import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { COMPLETE } from '../../../test/support/assessments.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, signIn } from '../../../test/support/web-client.ts';

/**
 * GPT-2's release, as Airlock would run it: the small model open now, the full model reviewed,
 * each stage argued for in its own risk–benefit assessment and decided on its own.
 */
describe('a risk–benefit assessment per release stage', () => {
  const REPO = 'alice/gpt';
  let server: TestServer;
  const tokens: Record<string, string> = {};
  let modPassword: string;
  const schedule = (smallLevel: string) => server.api('PUT', `/api/models/${REPO}/stages`, {
    token: tokens.alice,
    json: { stages: [{ name: 'small', paths: ['small/**'], accessLevel: smallLevel }] },
  });
  const stageLevel = async () => ((await (await server.api('GET', `/api/models/${REPO}/stages`)).json()) as { stages: Array<{ name: string; accessLevel: string }> }).stages.find((s) => s.name === 'small')?.accessLevel;
  const small = (token?: string) => server.api('GET', `/${REPO}/resolve/main/small/model.bin`, { token });

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    await server.createUser('bob');
    modPassword = (await server.createUser('mod', { platformRoles: ['moderator'] })).password;
    for (const name of ['alice', 'bob', 'mod']) tokens[name] = await server.createToken(name);
    await createRepo(server, tokens.alice!, REPO, { accessLevel: 'reviewed' });
    await uploadFiles(server, tokens.alice!, REPO, { 'small/model.bin': Buffer.from('small weights'), 'full/model.bin': Buffer.from('full weights') });
  });
  after(() => server.close());

  it('judges a stage by the repository\'s assessment while the stage has none, and says where to argue for the stage', async () => {
    const res = await schedule('open');
    const body = (await res.json()) as { code: string; field: string; detail: string };
    assert.equal(res.status, 409);
    assert.deepEqual([body.code, body.field], ['assessment_argues_stricter', 'stages.0.accessLevel']);
    assert.match(body.detail, /the stage "small" of alice\/gpt/);
    assert.match(body.detail, /\/alice\/gpt\/assessment\?stage=small/);
  });

  it('numbers a stage\'s versions apart from the repository\'s and releases the stage once its own assessment argues for the level', async () => {
    const submitted = await server.api('POST', `/api/models/${REPO}/assessment/submit?stage=small`, { token: tokens.alice, json: { ...COMPLETE, accessLevel: 'open', publicSummary: 'The small model is released openly.' } });
    assert.equal(submitted.status, 201, await submitted.clone().text());
    assert.deepEqual((({ stage, version }) => [stage, version])((await submitted.json()) as { stage: string; version: number }), ['small', 1]);
    const whole = (await (await server.api('GET', `/api/models/${REPO}/assessment`, { token: tokens.alice })).json()) as { stage: null; versions: Array<{ stage: string | null }> };
    assert.deepEqual(whole.versions.map((v) => v.stage), [null], 'the repository keeps its own single version');
    assert.equal((await small()).status, 401, 'not released before the schedule says so');
    assert.equal((await schedule('open')).status, 200);
    assert.equal((await small()).status, 200, 'the small model is open');
    assert.equal((await server.api('GET', `/${REPO}/resolve/main/full/model.bin`, { token: tokens.bob })).status, 403, 'the full model stays reviewed');
  });

  it('shows a stage\'s version to the release reviewers with the stage named', async () => {
    const queue = (await (await server.api('GET', '/api/assessments/queue', { token: tokens.mod })).json()) as Array<{ stage: string | null; url: string }>;
    const item = queue.find((q) => q.stage === 'small');
    assert.ok(item, JSON.stringify(queue));
    assert.match(item.url, /\/alice\/gpt\/assessment\?stage=small$/);
  });

  it('moves only that stage when a reviewer requires a stricter level of it, and publishes the requirement', async () => {
    const decided = await server.api('POST', `/api/models/${REPO}/assessment/versions/1/decision?stage=small`, { token: tokens.mod, json: { decision: 'require-stricter', requiredLevel: 'agreement', rationale: 'Even the small model writes convincing harassment; ask for signed conditions.' } });
    assert.equal(decided.status, 200, await decided.clone().text());
    assert.deepEqual(((await decided.json()) as { levelChanged: unknown }).levelChanged, { from: 'open', to: 'agreement', stage: 'small' });
    assert.equal(await stageLevel(), 'agreement');
    const repo = (await (await server.api('GET', `/api/models/${REPO}`)).json()) as { accessLevel: string };
    assert.equal(repo.accessLevel, 'reviewed', 'the repository itself is untouched');
    assert.equal((await small()).status, 401, 'anonymous downloads of the small model stop at once');
    const report = (await (await server.api('GET', `/api/models/${REPO}/transparency`)).json()) as { stageAssessments: Array<{ stage: string; requiredLevel: string; decided: { rationale: string } }>; conditions: Array<{ conditions: string[] }> };
    assert.deepEqual(report.stageAssessments.map((s) => [s.stage, s.requiredLevel]), [['small', 'agreement']]);
    assert.match(report.stageAssessments[0]!.decided.rationale, /signed conditions/);
    assert.ok(report.conditions.flatMap((g) => g.conditions).some((c) => /"agreement" access level for the release stage "small"/.test(c)));
  });

  it('refuses to reopen the stage below the level the reviewer required', async () => {
    const res = await schedule('open');
    assert.equal(res.status, 409);
    assert.equal(((await res.json()) as { code: string }).code, 'level_below_required');
    assert.equal((await schedule('agreement')).status, 200);
  });

  it('refuses a stage name that is empty or too long, naming the parameter', async () => {
    const res = await server.api('GET', `/api/models/${REPO}/assessment?stage=${'x'.repeat(101)}`);
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { field: string }).field, 'stage');
  });

  it('offers each stage\'s assessment page from the repository\'s, and shows the stage on the transparency page', async () => {
    const cookie = await signIn(server, 'mod', modPassword);
    const page = await getPage(server, `/${REPO}/assessment?stage=small`, { cookie });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Risk–benefit assessment of the release stage “small”/);
    const whole = await getPage(server, `/${REPO}/assessment`, { cookie });
    assert.match(await whole.text(), /href="\/alice\/gpt\/assessment\?stage=small"/);
    const transparency = await getPage(server, `/${REPO}/transparency`);
    assert.match(await transparency.text(), /Stage “small”/);
  });
});
