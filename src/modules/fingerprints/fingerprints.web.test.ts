import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getPage, postForm, signIn } from '../../../test/support/web-client.ts';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';

describe('the fingerprinting setting in the browser', () => {
  let server: TestServer;
  let publisher: string;
  let reader: string;
  const PAGE = '/lab/web-lm/settings/fingerprinting';

  before(async () => {
    server = await startTestServer();
    const lab = await server.createUser('lab');
    const viewer = await server.createUser('viewer');
    await createRepo(server, await server.createToken('lab'), 'lab/web-lm', { accessLevel: 'reviewed' });
    publisher = await signIn(server, 'lab', lab.password);
    reader = await signIn(server, 'viewer', viewer.password);
  });
  after(() => server.close());

  it('lets the publisher turn fingerprinting on and shows the new state', async () => {
    const before = await (await getPage(server, PAGE, { cookie: publisher })).text();
    assert.match(before, /Fingerprinting is <strong>off<\/strong>/);
    assert.match(before, /Turn fingerprinting on/);
    const posted = await postForm(server, PAGE, { enabled: 'true' }, { cookie: publisher });
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get('location'), `${PAGE}?saved`);
    const afterPage = await (await getPage(server, `${PAGE}?saved`, { cookie: publisher })).text();
    assert.match(afterPage, /Fingerprinting is now on/);
    assert.match(afterPage, /Turn fingerprinting off/);
    assert.deepEqual(await (await server.api('GET', '/api/models/lab/web-lm/fingerprinting')).json(), { enabled: true });
  });

  it('shows others the state without the switch, and refuses their change', async () => {
    const page = await (await getPage(server, PAGE, { cookie: reader })).text();
    assert.match(page, /Fingerprinting is <strong>on<\/strong>/);
    assert.doesNotMatch(page, /Turn fingerprinting/);
    assert.equal((await postForm(server, PAGE, { enabled: 'false' }, { cookie: reader })).status, 403);
    const anonymous = await postForm(server, PAGE, { enabled: 'false' });
    assert.equal(anonymous.status, 303);
    assert.match(anonymous.headers.get('location') ?? '', /^\/login\?next=/);
    assert.deepEqual(await (await server.api('GET', '/api/models/lab/web-lm/fingerprinting')).json(), { enabled: true });
  });
});
