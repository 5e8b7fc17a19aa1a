import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applicationApi, json, type Application } from '../support/applications.ts';
import { getPage, signIn } from '../support/web-client.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../support/test-server.ts';

const PAYLOAD = `<script>window.pwned=1</script><img src=x onerror="alert(1)"><a href="javascript:alert(2)">link</a>"><svg onload=alert(3)>'-alert(4)-'`;

/** What must never reach a page from user text: a script, an event handler or a javascript: link inside a tag. */
function assertNoActiveContent(html: string, where: string) {
  const inlineScripts = html.match(/<script(?![^>]*\bsrc=)[^>]*>/gi) ?? [];
  assert.deepEqual(inlineScripts, [], `${where}: inline script`);
  assert.doesNotMatch(html, /<[^>]+\son[a-z]+\s*=/i, `${where}: event handler attribute`);
  assert.doesNotMatch(html, /<[^>]+(href|src|action)\s*=\s*["']?\s*javascript:/i, `${where}: javascript: URL`);
  assert.doesNotMatch(html, /<svg[^>]*onload/i, `${where}: svg onload`);
}

describe('user text on pages (XSS)', () => {
  let server: TestServer;
  const cookies: Record<string, string> = {};
  let applicationId: string;
  let threadId: string;

  before(async () => {
    server = await startTestServer();
    const alice = await server.createUser('alice');
    const bob = await server.createUser('bob');
    const aliceToken = await server.createToken('alice');
    const bobToken = await server.createToken('bob');
    await createRepo(server, aliceToken, 'alice/xss-lm', { accessLevel: 'reviewed' });
    await uploadFiles(server, aliceToken, 'alice/xss-lm', { 'README.md': `---\nlicense: mit\n---\n# Card\n\n${PAYLOAD}\n\n[click](javascript:alert(5))\n` });
    const api = applicationApi(server, 'alice/xss-lm');
    await json(await api.setPolicy(aliceToken, { formFields: [{ name: 'affiliation', label: `Affiliation ${PAYLOAD}`.slice(0, 200), type: 'text', required: true, help: `Help ${PAYLOAD}` }] }), 200);
    const app = await json<Application>(await api.apply(bobToken, { purpose: `Statement long enough to be accepted by the form. ${PAYLOAD}`, fields: { affiliation: `Uni ${PAYLOAD}` } }), 201);
    applicationId = app.id;
    await json(await api.comment(aliceToken, app.id, `Reviewer comment ${PAYLOAD}`), 201);
    await json(await api.vote(aliceToken, app.id, 'reject', `Reason ${PAYLOAD}`), 201);
    const thread = await server.api('POST', '/api/models/alice/xss-lm/discussions', { token: bobToken, json: { title: `Title ${PAYLOAD}`.slice(0, 120), body: `Comment ${PAYLOAD}` } });
    assert.equal(thread.status, 201, await thread.clone().text());
    threadId = ((await thread.json()) as { id: string }).id;
    cookies.alice = await signIn(server, 'alice', alice.password);
    cookies.bob = await signIn(server, 'bob', bob.password);
  });
  after(() => server?.close());

  const pages = () => [
    { path: '/alice/xss-lm', who: 'bob', shows: 'Card' },
    { path: '/alice/xss-lm/discussions', who: 'bob', shows: 'Title' },
    { path: `/alice/xss-lm/discussions/${threadId}`, who: 'bob', shows: 'Comment' },
    { path: '/alice/xss-lm/apply', who: 'bob', shows: 'Help' },
    { path: `/review/${applicationId}`, who: 'alice', shows: 'Statement long enough' },
    { path: '/settings/access', who: 'bob', shows: 'Reason' },
  ];

  it('shows the card, discussions, form help, statements, comments and reasons as text, never as active content', async () => {
    for (const { path, who, shows } of pages()) {
      const res = await getPage(server, path, { cookie: cookies[who] });
      const html = await res.text();
      assert.equal(res.status, 200, `${path}: ${res.status}`);
      assert.ok(html.includes(shows), `${path} shows the user text (${shows})`);
      assertNoActiveContent(html, path);
    }
  });

  it('escapes the text where it is shown verbatim', async () => {
    const review = await (await getPage(server, `/review/${applicationId}`, { cookie: cookies.alice })).text();
    assert.ok(review.includes('&lt;script&gt;window.pwned=1&lt;/script&gt;'), 'the statement is shown escaped');
  });
});
