import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, postForm, signIn } from '../../../test/support/web-client.ts';

describe('the webhooks settings page', () => {
  let server: TestServer;
  let labCookie: string;
  let ritaCookie: string;
  const PAGE = '/lab/model/settings/webhooks';

  before(async () => {
    server = await startTestServer();
    const lab = await server.createUser('lab');
    const rita = await server.createUser('rita');
    await createRepo(server, await server.createToken('lab'), 'lab/model', { accessLevel: 'reviewed' });
    labCookie = await signIn(server, 'lab', lab.password);
    ritaCookie = await signIn(server, 'rita', rita.password);
  });
  after(() => server.close());

  it('sends visitors who are not signed in to the sign-in page', async () => {
    const res = await getPage(server, PAGE);
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location') ?? '', /^\/login\?next=/);
  });

  it('is closed to users who do not publish the repository', async () => {
    assert.equal((await getPage(server, PAGE, { cookie: ritaCookie })).status, 403);
    assert.equal((await postForm(server, PAGE, { url: 'https://hooks.example.org/x' }, { cookie: ritaCookie })).status, 403);
  });

  it('refuses a loopback target with the reason under the form', async () => {
    const res = await postForm(server, PAGE, { url: 'https://127.0.0.1/hook' }, { cookie: labCookie });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /oopback and private-network targets are refused/);
  });

  it('adds an endpoint, shows its secret once, and lists it with its deliveries', async () => {
    const res = await postForm(server, PAGE, { url: 'https://hooks.example.org/airlock' }, { cookie: labCookie });
    assert.equal(res.status, 200);
    const html = await res.text();
    const secret = /<code>(whsec_[\w-]+)<\/code>/.exec(html)?.[1];
    assert.ok(secret, 'the secret is shown after creation');
    const page = await (await getPage(server, PAGE, { cookie: labCookie })).text();
    assert.match(page, /https:\/\/hooks\.example\.org\/airlock/);
    assert.doesNotMatch(page, new RegExp(secret));
    assert.match(page, /No deliveries yet/);
  });

  it('serves an organisation\'s page to its admins only', async () => {
    await server.createOrg('labs', 'lab', { rita: 'write' });
    const ORG_PAGE = '/orgs/labs/settings/webhooks';
    assert.equal((await getPage(server, ORG_PAGE, { cookie: ritaCookie })).status, 403);
    const added = await postForm(server, ORG_PAGE, { url: 'https://hooks.example.org/org', events: 'repo.blocked' }, { cookie: labCookie });
    assert.equal(added.status, 200);
    const page = await (await getPage(server, ORG_PAGE, { cookie: labCookie })).text();
    assert.match(page, /https:\/\/hooks\.example\.org\/org/);
    assert.match(page, /Events: repo\.blocked\./);
    assert.equal((await getPage(server, '/orgs/nobody-here/settings/webhooks', { cookie: labCookie })).status, 404);
  });
});
