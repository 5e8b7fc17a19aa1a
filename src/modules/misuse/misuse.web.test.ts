import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, postForm, signIn } from '../../../test/support/web-client.ts';

describe('misuse report pages over plain HTTP', () => {
  let server: TestServer;
  const cookies: Record<string, string> = {};
  const form = { category: 'privacy', description: 'The dataset contains home addresses of private people.', evidenceLinks: 'https://paste.example/1\n\nhttps://paste.example/2' };
  let statusLink = '';
  let myReport = '';

  before(async () => {
    server = await startTestServer();
    for (const [name, roles] of [['pub', []], ['mod', ['moderator']], ['rita', []]] as const) {
      const { password } = await server.createUser(name, { platformRoles: [...roles] });
      cookies[name] = await signIn(server, name, password);
    }
    await createRepo(server, await server.createToken('pub'), 'pub/data', { type: 'dataset' });
  });
  after(() => server.close());

  it('links the report form from the repository page, asking an anonymous reporter for an email', async () => {
    assert.match(await (await getPage(server, '/datasets/pub/data')).text(), /href="\/datasets\/pub\/data\/report"/);
    const html = await (await getPage(server, '/datasets/pub/data/report')).text();
    assert.match(html, /name="email"/);
    assert.doesNotMatch(await (await getPage(server, '/datasets/pub/data/report', { cookie: cookies.rita })).text(), /name="email"/);
  });

  it('shows a bad evidence line beside the box, naming the line, and keeps the text', async () => {
    const res = await postForm(server, '/datasets/pub/data/report', { ...form, evidenceLinks: 'https://ok.example\njavascript:alert(1)' }, { cookie: cookies.rita });
    assert.equal(res.status, 400);
    const html = await res.text();
    assert.match(html, /Line 2 must be an http or https address/);
    assert.match(html, /home addresses of private people/);
  });

  it('gives an anonymous reporter a status link that shows the report, once', async () => {
    const res = await postForm(server, '/datasets/pub/data/report', { ...form, email: 'anon@example.org' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    statusLink = /data-testid="status-link">([^<]+)</.exec(await res.text())![1]!;
    const page = await getPage(server, new URL(statusLink).pathname);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /data-testid="report-status">open</);
  });

  it('sends a signed-in reporter to their report, listed under My misuse reports', async () => {
    const res = await postForm(server, '/datasets/pub/data/report', form, { cookie: cookies.rita });
    assert.equal(res.status, 303);
    myReport = res.headers.get('location')!;
    assert.match(myReport, /^\/settings\/reports\/[0-9a-f-]{36}$/);
    assert.match(await (await getPage(server, '/settings/reports', { cookie: cookies.rita })).text(), /pub\/data/);
    assert.equal((await getPage(server, myReport, { cookie: cookies.pub })).status, 404);
  });

  it('lets moderators, and only them, triage from the queue page', async () => {
    assert.equal((await getPage(server, '/moderation/reports', { cookie: cookies.rita })).status, 403);
    const queue = await (await getPage(server, '/moderation/reports', { cookie: cookies.mod })).text();
    const ids = [...queue.matchAll(/href="\/moderation\/reports\/([0-9a-f-]{36})"/g)].map((m) => m[1]!);
    assert.equal(ids.length, 2);
    const detail = await (await getPage(server, `/moderation/reports/${ids[0]}`, { cookie: cookies.mod })).text();
    assert.match(detail, /anon@example.org \(no account\)/);
    assert.match(detail, /href="https:\/\/paste.example\/2"/);

    const missing = await postForm(server, `/moderation/reports/${ids[0]}/actions`, { action: 'dismiss', reason: '' }, { cookie: cookies.mod });
    assert.equal(missing.status, 400);
    assert.equal((await postForm(server, `/moderation/reports/${ids[0]}/actions`, { action: 'acknowledge' }, { cookie: cookies.rita })).status, 403);
    assert.equal((await postForm(server, `/moderation/reports/${ids[0]}/actions`, { action: 'acknowledge' }, { cookie: cookies.mod })).status, 303);
    assert.equal((await postForm(server, `/moderation/reports/${ids[0]}/actions`, { action: 'resolve', note: 'The publisher removed the addresses' }, { cookie: cookies.mod })).status, 303);
    const status = await (await getPage(server, new URL(statusLink).pathname)).text();
    assert.match(status, /data-testid="report-status">resolved</);
    assert.match(status, /Outcome: The publisher removed the addresses/);
    assert.match(status, /Acknowledged by a moderator/);
  });
});
