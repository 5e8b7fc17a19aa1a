import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, postForm, signIn } from '../../../test/support/web-client.ts';
import { findRepository, updateRepository } from '../repos/repos.repository.ts';
import { findUserByUsername } from '../users/users.repository.ts';

const CARD = '---\nlicense: apache-2.0\npipeline_tag: text-generation\ntags: [safety, gated]\n---\n# Open model\n\nA small **test** model.\n';

describe('catalogue and repository pages over plain HTTP', () => {
  let server: TestServer;
  let aliceToken: string;
  let bob: { password: string };
  let alice: { password: string };
  before(async () => {
    server = await startTestServer();
    alice = await server.createUser('alice');
    bob = await server.createUser('bob');
    aliceToken = await server.createToken('alice');
    await createRepo(server, aliceToken, 'alice/gpt2.5');
    await uploadFiles(server, aliceToken, 'alice/gpt2.5', { 'README.md': CARD, 'config.json': '{"layers":2}' });
    await createRepo(server, aliceToken, 'alice/secret-model', { private: true });
    await createRepo(server, aliceToken, 'alice/consent', { accessLevel: 'agreement' });
    await uploadFiles(server, aliceToken, 'alice/consent', { 'README.md': '# Consent\n', 'weights.bin': Buffer.alloc(2048, 1) });
    await createRepo(server, aliceToken, 'alice/corpus', { type: 'dataset' });
    await uploadFiles(server, aliceToken, 'alice/corpus', { 'data.csv': 'a,b\n1,2\n' }, { type: 'dataset' });
  });
  after(() => server.close());

  it('shows a model whose name contains a dot, with its card facts, files and download links', async () => {
    const response = await getPage(server, '/alice/gpt2.5');
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /<h1>Open model<\/h1>/);
    assert.match(html, /<dt>License<\/dt><dd><span class="tag">apache-2.0<\/span><\/dd>/);
    assert.match(html, /<dt>Task<\/dt><dd><span class="tag">text-generation<\/span><\/dd>/);
    assert.doesNotMatch(html, /pipeline_tag:/, 'the front matter is not rendered as text');
    assert.match(html, /<a href="\/alice\/gpt2.5\/resolve\/main\/config.json" download="">config.json<\/a><\/td><td class="num">12 B<\/td><td class="sha">[0-9a-f]{64}<\/td>/);
    const download = await fetch(`${server.url}/alice/gpt2.5/resolve/main/config.json`);
    assert.equal(await download.text(), '{"layers":2}');
  });

  it('shows a dataset under /datasets/ and not under the model path', async () => {
    const page = await getPage(server, '/datasets/alice/corpus');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /href="\/datasets\/alice\/corpus\/resolve\/main\/data.csv"/);
    assert.equal((await getPage(server, '/alice/corpus')).status, 404);
  });

  it('lists models and datasets in the catalogue and finds them by name', async () => {
    const all = await (await getPage(server, '/')).text();
    for (const href of ['/alice/gpt2.5', '/alice/consent', '/datasets/alice/corpus']) assert.ok(all.includes(`href="${href}"`), href);
    assert.match(all, /<span class="badge agreement"[^>]*>Agreement<\/span>/);
    const found = await (await getPage(server, '/?q=gpt2')).text();
    assert.ok(found.includes('href="/alice/gpt2.5"'));
    assert.ok(!found.includes('href="/alice/consent"'));
    const datasets = await (await getPage(server, '/?type=dataset')).text();
    assert.ok(datasets.includes('href="/datasets/alice/corpus"') && !datasets.includes('href="/alice/gpt2.5"'));
  });

  it('a private repository page is 404 for others and absent from their catalogue, but there for its owner', async () => {
    assert.equal((await getPage(server, '/alice/secret-model')).status, 404);
    const bobCookie = await signIn(server, 'bob', bob.password);
    assert.equal((await getPage(server, '/alice/secret-model', { cookie: bobCookie })).status, 404);
    assert.ok(!(await (await getPage(server, '/', { cookie: bobCookie })).text()).includes('secret-model'));
    assert.ok(!(await (await getPage(server, '/')).text()).includes('secret-model'));
    const bobApi = (await (await server.api('GET', '/api/models', { token: await server.createToken('bob', 'read') })).json()) as { id: string }[];
    assert.ok(!bobApi.some((r) => r.id === 'alice/secret-model'), 'the API listing shares the policy');

    const aliceCookie = await signIn(server, 'alice', alice.password);
    const own = await getPage(server, '/alice/secret-model', { cookie: aliceCookie });
    assert.equal(own.status, 200);
    assert.match(await own.text(), /<span class="badge private">Private<\/span>/);
    assert.ok((await (await getPage(server, '/', { cookie: aliceCookie })).text()).includes('href="/alice/secret-model"'));
  });

  it('renders an uploaded card with its scripts, event handlers and javascript: links removed', async () => {
    await createRepo(server, aliceToken, 'alice/xss');
    const card = '# Hostile card\n\n<script>document.title="owned"</script>\n\n<img src="https://example.org/a.png" onerror="alert(1)">\n\n[click](javascript:alert(1))\n\n<a href="javascript:alert(2)">raw</a>\n\n<iframe src="https://evil.example"></iframe>\n';
    await uploadFiles(server, aliceToken, 'alice/xss', { 'README.md': card });
    const response = await getPage(server, '/alice/xss');
    const html = await response.text();
    const cardHtml = /data-testid="model-card">([\s\S]*?)<\/article>/.exec(html)?.[1] ?? '';
    assert.match(cardHtml, /<h1>Hostile card<\/h1>/);
    assert.match(cardHtml, /<img src="https:\/\/example.org\/a.png" \/>/);
    assert.doesNotMatch(html, /<script|owned|onerror|href="javascript:|<iframe/i);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
  });

  it('asks an anonymous visitor of an agreement repository to sign in, and offers no download links', async () => {
    const html = await (await getPage(server, '/alice/consent')).text();
    assert.match(html, /<a class="button" href="\/login\?next=%2Falice%2Fconsent">Sign in to request access<\/a>/);
    assert.doesNotMatch(html, /\/resolve\//);
  });

  it('grants access at once when a signed-in user accepts the conditions', async () => {
    const cookie = await signIn(server, 'bob', bob.password);
    const before = await (await getPage(server, '/alice/consent', { cookie })).text();
    assert.match(before, /<button type="submit">Accept the conditions and get access<\/button>/);
    assert.equal((await fetch(`${server.url}/alice/consent/resolve/main/weights.bin`, { headers: { cookie } })).status, 403);

    const accepted = await postForm(server, '/alice/consent/request-access', {}, { cookie });
    assert.equal(accepted.status, 303);
    assert.equal(accepted.headers.get('location'), '/alice/consent');
    const after = await (await getPage(server, '/alice/consent', { cookie })).text();
    assert.match(after, /You have access/);
    assert.match(after, /href="\/alice\/consent\/resolve\/main\/weights.bin"/);
    assert.equal((await fetch(`${server.url}/alice/consent/resolve/main/weights.bin`, { headers: { cookie } })).status, 200);
  });

  it('shows who blocked a repository, when and why, and no download links', async () => {
    await createRepo(server, aliceToken, 'alice/blocked-model');
    await uploadFiles(server, aliceToken, 'alice/blocked-model', { 'weights.bin': 'x' });
    const moderator = await server.createUser('mod', { platformRoles: ['moderator'] });
    const { db } = server.runtime.deps;
    const repo = (await findRepository(db, 'model', 'alice', 'blocked-model'))!;
    const modRow = (await findUserByUsername(db, moderator.username))!;
    await updateRepository(db, repo.id, { blockedAt: new Date('2030-01-02T03:04:00Z'), blockedBy: modRow.id, blockedReason: 'reported misuse under review' });
    const html = await (await getPage(server, '/alice/blocked-model')).text();
    assert.match(html, /Blocked by mod on 2030-01-02 03:04 UTC/);
    assert.match(html, /Reason: reported misuse under review/);
    assert.doesNotMatch(html, /\/resolve\//);
  });

  it('leaves the site routes to their own handlers', async () => {
    assert.match((await getPage(server, '/static/airlock.css')).headers.get('content-type') ?? '', /text\/css/);
    assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { ok: true });
    assert.equal((await getPage(server, '/login')).status, 200);
    const api = await fetch(`${server.url}/api/unknown`);
    assert.equal(api.status, 404);
    assert.match(api.headers.get('content-type') ?? '', /json/);
    assert.equal((await getPage(server, '/static/missing.css')).status, 404);
  });
});
