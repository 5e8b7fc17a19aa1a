import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { downloadFile } from '@huggingface/hub';
import { ManualClock } from '../../lib/clock.ts';
import { generatedBytes } from '../../../test/support/generated-file.ts';
import { caught } from '../../../test/support/hub-client.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { globMatches, stageFor } from './stages.models.ts';
import { COMPLETE } from '../../../test/support/assessments.ts';

describe('stageFor', () => {
  const stage = (name: string, paths: string[], revisionCommit: string | null = null) => ({ name, paths, revisionCommit, accessLevel: 'reviewed' as const, embargoUntil: null });

  it('picks the first stage in schedule order that names the file', () => {
    const stages = [stage('full', ['full/**']), stage('everything', ['**'])];
    assert.equal(stageFor(stages, 'full/model.safetensors', 'c1')?.name, 'full');
    assert.equal(stageFor(stages, 'small/model.safetensors', 'c1')?.name, 'everything');
  });

  it('matches a revision stage by the commit it was saved at, whatever the path', () => {
    assert.equal(stageFor([stage('v2', [], 'c2')], 'README.md', 'c2')?.name, 'v2');
    assert.equal(stageFor([stage('v2', [], 'c2')], 'README.md', 'c1'), null);
  });

  it('reads globs from the repository root, dot files included', () => {
    assert.equal(globMatches('*.safetensors', 'model.safetensors'), true);
    assert.equal(globMatches('*.safetensors', 'full/model.safetensors'), false);
    assert.equal(globMatches('**/*.bin', '.hidden/x.bin'), true);
  });
});

describe('a staged release over HTTP and the Hugging Face client', () => {
  const REPO = 'lab/staged-lm';
  const SMALL = 'small/model.safetensors';
  const FULL = 'full/model.safetensors';
  const clock = new ManualClock(new Date('2027-02-01T00:00:00Z'));
  const EMBARGO = new Date('2027-03-01T00:00:00Z');
  let server: TestServer;
  let owner: string;
  let bob: string;
  let carol: string;
  const get = (path: string, token?: string) => server.api('GET', `/${REPO}/resolve/main/${path}`, { token });
  const schedule = (json: unknown, token = owner) => server.api('PUT', `/api/models/${REPO}/stages`, { token, json });

  before(async () => {
    server = await startTestServer({ clock });
    await server.createUser('lab');
    await server.createUser('bob');
    await server.createUser('carol');
    owner = await server.createToken('lab');
    bob = await server.createToken('bob', 'read');
    carol = await server.createToken('carol');
    await createRepo(server, owner, REPO, { accessLevel: 'open' });
    await uploadFiles(server, owner, REPO, { 'README.md': '# Staged\n', [SMALL]: generatedBytes('small', 1024), [FULL]: generatedBytes('full', 4096) });
  });
  after(() => server.close());

  it('refuses a schedule from someone who does not publish the repository', async () => {
    const res = await schedule({ stages: [{ name: 'full', paths: ['full/**'], accessLevel: 'reviewed' }] }, carol);
    assert.equal(res.status, 403);
    assert.equal(((await (await server.api('GET', `/api/models/${REPO}/stages`)).json()) as { stages: unknown[] }).stages.length, 0);
  });

  it('refuses an embargo date in the past, naming the field, and stores nothing', async () => {
    const res = await schedule({ stages: [{ name: 'full', paths: ['full/**'], accessLevel: 'reviewed', embargoUntil: '2027-01-01T00:00:00Z' }] });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { field?: string; error: string };
    assert.match(body.error, /stages\.0\.embargoUntil/);
    assert.equal(((await (await server.api('GET', `/api/models/${REPO}/stages`)).json()) as { stages: unknown[] }).stages.length, 0);
  });

  it('refuses a glob that matches no file, naming it', async () => {
    const res = await schedule({ stages: [{ name: 'full', paths: ['weights/*.bin'], accessLevel: 'reviewed' }] });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /stages\.0\.paths\.0: "weights\/\*\.bin" matches no file on main/);
  });

  it('refuses a stage that names neither files nor a revision, and an unknown revision', async () => {
    assert.equal((await schedule({ stages: [{ name: 'x', accessLevel: 'open' }] })).status, 400);
    const unknown = await schedule({ stages: [{ name: 'x', revision: 'v9', accessLevel: 'open' }] });
    assert.equal(unknown.status, 404);
  });

  it('refuses a stage at another level than the repository until a risk–benefit assessment backs it', async () => {
    const res = await schedule({ stages: [{ name: 'full model', paths: ['full/**'], accessLevel: 'reviewed', embargoUntil: EMBARGO.toISOString() }] });
    assert.equal(res.status, 409);
    const body = (await res.json()) as { error: string; field?: string };
    assert.match(body.error, /^stages\.0\.accessLevel: releasing the stage "full model" of lab\/staged-lm at "reviewed" \(the repository is "open"\) needs a submitted risk–benefit assessment/);
    const submitted = await server.api('POST', `/api/models/${REPO}/assessment/submit`, { token: owner, json: { ...COMPLETE, accessLevel: 'reviewed' } });
    assert.equal(submitted.status, 201, await submitted.text());
  });

  it('publishes the schedule, and keeps the small model open while the full one is embargoed for everyone but the publisher', async () => {
    const res = await schedule({ stages: [{ name: 'full model', paths: ['full/**'], accessLevel: 'reviewed', embargoUntil: EMBARGO.toISOString() }] });
    assert.equal(res.status, 200, await res.text());
    const published = (await (await server.api('GET', `/api/models/${REPO}/stages`)).json()) as { stages: Array<{ name: string; embargoed: boolean; embargoUntil: string }> };
    assert.deepEqual(published.stages.map((s) => [s.name, s.embargoed, s.embargoUntil]), [['full model', true, EMBARGO.toISOString()]]);
    assert.equal((await get(SMALL)).status, 200);
    const embargoed = await get(FULL, bob);
    assert.equal(embargoed.status, 403);
    assert.equal(embargoed.headers.get('x-error-code'), 'GatedRepo');
    assert.match(((await embargoed.json()) as { error: string }).error, /under embargo until 2027-03-01T00:00:00\.000Z/);
    assert.equal((await get(FULL, owner)).status, 200, 'the publisher can download before the embargo');
  });

  it('shows the schedule on the repository page and offers no link to an embargoed file', async () => {
    const html = await (await server.api('GET', `/${REPO}`, { token: bob })).text();
    assert.match(html, /data-testid="release-schedule"/);
    assert.match(html, /embargoed until <time datetime="2027-03-01T00:00:00.000Z">2027-03-01<\/time>/);
    assert.match(html, new RegExp(`href="/${REPO}/resolve/main/small/model.safetensors"`));
    assert.doesNotMatch(html, new RegExp(`href="/${REPO}/resolve/main/full/model.safetensors"`));
    const publisherView = await (await server.api('GET', `/${REPO}`, { token: owner })).text();
    assert.match(publisherView, new RegExp(`href="/${REPO}/resolve/main/full/model.safetensors"`));
  });

  it('shows the embargo date to a Hugging Face client, even to a user already granted', async () => {
    assert.equal((await server.api('POST', `/api/models/${REPO}/grants`, { token: owner, json: { user: 'bob' } })).status, 201);
    const error = await caught(() => downloadFile({ repo: REPO, path: FULL, hubUrl: server.url, accessToken: bob }));
    assert.equal(error.statusCode, 403);
    assert.match(String(error.message), /embargo until 2027-03-01/);
  });

  it('applies the stage level once the embargo ends, with nothing written in between', async () => {
    assert.equal((await get(FULL, carol)).status, 403);
    clock.set(new Date(EMBARGO.getTime() + 1000));
    assert.equal((await get(FULL, bob)).status, 200, 'granted: the reviewed level lets bob in');
    const refused = await get(FULL, carol);
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { error: string }).error, /approved access application/);
    assert.equal((await get(FULL)).status, 401, 'anonymous: sign in first');
    assert.equal((await get(SMALL)).status, 200, 'the open stage is untouched');
  });

  it('gates a revision stage at the commit it was saved at', async () => {
    await server.api('POST', `/api/models/${REPO}/tags`, { token: owner, json: { tag: 'v1', revision: 'main' } });
    const res = await schedule({ stages: [{ name: 'v1 release', revision: 'v1', accessLevel: 'no-download' }] });
    assert.equal(res.status, 200, await res.text());
    const refused = await server.api('GET', `/${REPO}/resolve/v1/${SMALL}`);
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: string }).error.includes('card and discussion only'), true);
  });
});
