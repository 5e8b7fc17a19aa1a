import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, postForm, signIn } from '../../../test/support/web-client.ts';

describe('discussion pages over plain HTTP', () => {
  let server: TestServer;
  const cookies: Record<string, string> = {};
  let threadPath = '';

  before(async () => {
    server = await startTestServer();
    for (const [name, roles] of [['pub', []], ['mod', ['moderator']], ['rita', []]] as const) {
      const { password } = await server.createUser(name, { platformRoles: [...roles] });
      cookies[name] = await signIn(server, name, password);
    }
    const token = await server.createToken('pub');
    await createRepo(server, token, 'pub/gated', { accessLevel: 'reviewed' });
    await uploadFiles(server, token, 'pub/gated', { 'README.md': '# Gated\n' });
    await createRepo(server, token, 'pub/data', { type: 'dataset' });
    await createRepo(server, token, 'pub/secret', { private: true });
  });
  after(() => server.close());

  it('sends an anonymous visitor to sign in before starting a thread', async () => {
    assert.equal((await getPage(server, '/pub/gated/discussions')).status, 200);
    const res = await postForm(server, '/pub/gated/discussions', { title: 'Hello there', body: 'Hi' });
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location') ?? '', /^\/login\?next=/);
  });

  it('keeps what was typed and names the field when a thread is refused', async () => {
    const res = await postForm(server, '/pub/gated/discussions', { title: 'x', body: 'Kept text' }, { cookie: cookies.rita });
    assert.equal(res.status, 400);
    const html = await res.text();
    assert.match(html, /class="field invalid"/);
    assert.match(html, /Kept text/);
  });

  it('starts a thread and shows the comment as sanitized markdown', async () => {
    const res = await postForm(server, '/pub/gated/discussions', { title: 'Eval <b>numbers</b>', body: 'See **this**\n\n<script>alert(1)</script><img src=x onerror=alert(2)>' }, { cookie: cookies.rita });
    assert.equal(res.status, 303);
    threadPath = res.headers.get('location')!;
    assert.match(threadPath, /^\/pub\/gated\/discussions\/[0-9a-f-]{36}$/);
    const html = await (await getPage(server, threadPath)).text();
    assert.match(html, /<strong>this<\/strong>/);
    assert.match(html, /Eval &lt;b&gt;numbers&lt;\/b&gt;/, 'the title is text, not markup');
    assert.doesNotMatch(html, /<script>alert|onerror/);
  });

  it('lets a moderator hide a comment and lock the thread from the page; readers see why', async () => {
    await postForm(server, `${threadPath}/comments`, { body: 'Buy cheap followers at spam.example' }, { cookie: cookies.rita });
    let html = await (await getPage(server, threadPath, { cookie: cookies.mod })).text();
    const hideAction = [...html.matchAll(/action="([^"]+\/hide)"/g)].map((m) => m[1]!)[1]!;
    assert.ok(hideAction);
    assert.equal((await postForm(server, hideAction, { reason: 'Spam' }, { cookie: cookies.rita })).status, 403);
    assert.equal((await postForm(server, hideAction, { reason: 'Spam' }, { cookie: cookies.mod })).status, 303);
    assert.equal((await postForm(server, `${threadPath}/lock`, { reason: 'Resolved in the card' }, { cookie: cookies.mod })).status, 303);
    html = await (await getPage(server, threadPath)).text();
    assert.match(html, /Hidden by mod on [^<]+\. Reason: Spam/);
    assert.doesNotMatch(html, /spam\.example/);
    assert.match(html, /Locked by mod on [^<]+\. Reason: Resolved in the card/);
    const refused = await postForm(server, `${threadPath}/comments`, { body: 'more' }, { cookie: cookies.rita });
    assert.equal(refused.status, 403);
    const ritaView = await (await getPage(server, threadPath, { cookie: cookies.rita })).text();
    assert.doesNotMatch(ritaView, /action="[^"]+\/comments"/, 'no comment form on a locked thread');
    // The author and the moderators can still read what was hidden, to appeal or review it.
    for (const who of ['rita', 'mod']) {
      const view = who === 'rita' ? ritaView : await (await getPage(server, threadPath, { cookie: cookies.mod })).text();
      assert.match(view, /data-testid="hidden-text"[\s\S]*Buy cheap followers at spam\.example/, who);
    }
    assert.doesNotMatch(await (await getPage(server, threadPath, { cookie: cookies.pub })).text(), /spam\.example/, 'not the publisher');
  });

  it('serves dataset discussion pages, and 404 for a private repository to outsiders', async () => {
    const res = await postForm(server, '/datasets/pub/data/discussions', { title: 'Split sizes', body: 'How big is test?' }, { cookie: cookies.rita });
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location')!, /^\/datasets\/pub\/data\/discussions\//);
    assert.match(await (await getPage(server, '/datasets/pub/data/discussions')).text(), /Split sizes/);
    assert.equal((await getPage(server, '/pub/secret/discussions', { cookie: cookies.rita })).status, 404);
    assert.equal((await getPage(server, '/pub/secret/discussions', { cookie: cookies.pub })).status, 200);
  });
});
