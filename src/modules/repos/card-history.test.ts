import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, postForm, signIn } from '../../../test/support/web-client.ts';
import { auditEvents } from '../audit/audit.tables.ts';

const V1 = '---\nlicense: mit\n---\n# LM\n\nTrained on web text.\nUse it for research.\n';
const V2 = '---\nlicense: apache-2.0\n---\n# LM\n\nTrained on forum posts.\nUse it for research.\nDo not deploy.\n';

async function problem(response: Response, status: number, field?: string) {
  const body = (await response.json()) as { code: string; field?: string; details?: { line?: number } };
  assert.equal(response.status, status, JSON.stringify(body));
  if (field) assert.equal(body.field, field);
  return body;
}

describe('model card history, diffs and editing over HTTP', () => {
  let server: TestServer;
  let alice: string;
  let commits: { v1: string; other: string; v2: string };
  let passwords: Record<string, string>;

  before(async () => {
    server = await startTestServer();
    passwords = {};
    for (const name of ['alice', 'bob', 'carol']) passwords[name] = (await server.createUser(name)).password;
    alice = await server.createToken('alice');
    await createRepo(server, alice, 'alice/lm');
    const v1 = await uploadFiles(server, alice, 'alice/lm', { 'README.md': V1 }, { message: 'First card' });
    const other = await uploadFiles(server, alice, 'alice/lm', { 'config.json': '{}' }, { message: 'Add config' });
    const v2 = await uploadFiles(server, alice, 'alice/lm', { 'README.md': V2 }, { message: 'Rewrite the data section' });
    commits = { v1: v1.commitOid, other: other.commitOid, v2: v2.commitOid };
    await createRepo(server, alice, 'alice/hidden', { private: true });
    await createRepo(server, await server.createToken('carol'), 'carol/own');
  });
  after(() => server.close());

  it('lists only the commits that changed the card, newest first, with author and message', async () => {
    const res = await server.api('GET', '/api/models/alice/lm/card/history');
    assert.equal(res.status, 200);
    const history = (await res.json()) as { commit: string; author: string; message: string; change: string; createdAt: string }[];
    assert.deepEqual(history.map((h) => [h.commit, h.author, h.message, h.change]), [
      [commits.v2, 'alice', 'Rewrite the data section', 'modified'],
      [commits.v1, 'alice', 'First card', 'added'],
    ]);
    assert.ok(!Number.isNaN(Date.parse(history[0]!.createdAt)));
  });

  it('compares two versions as a correct line diff of a multi-line change', async () => {
    const res = await server.api('GET', `/api/models/alice/lm/card/compare?from=${commits.v1}&to=main`);
    assert.equal(res.status, 200);
    const diff = (await res.json()) as { from: { commit: string }; to: { commit: string }; added: number; removed: number; rows: { kind: string; text?: string; oldLine?: number; newLine?: number }[] };
    assert.equal(diff.to.commit, commits.v2);
    assert.deepEqual(diff.rows.filter((r) => r.kind === 'removed').map((r) => [r.oldLine, r.text]), [[2, 'license: mit'], [6, 'Trained on web text.']]);
    assert.deepEqual(diff.rows.filter((r) => r.kind === 'added').map((r) => [r.newLine, r.text]), [[2, 'license: apache-2.0'], [6, 'Trained on forum posts.'], [8, 'Do not deploy.']]);
    assert.deepEqual([diff.added, diff.removed], [3, 2]);
  });

  it('renders the diff page with removals and additions, and the history page with a compare form', async () => {
    const page = await (await getPage(server, `/alice/lm/card/compare?from=${commits.v1}&to=${commits.v2}`)).text();
    assert.match(page, /<tr class="diff-removed" data-kind="removed"><td class="num">2<\/td>.*license: <del>mit<\/del>/);
    assert.match(page, /<tr class="diff-added" data-kind="added"><td class="num"><\/td><td class="num">8<\/td>.*<ins>Do not deploy.<\/ins>/);
    const history = await (await getPage(server, '/alice/lm/card/history')).text();
    assert.match(history, /Rewrite the data section/);
    assert.match(history, new RegExp(`name="to" value="${commits.v2}" checked=""`));
    assert.match(history, /action="\/alice\/lm\/card\/compare"/);
  });

  it('refuses bad compare input with a 4xx naming the field', async () => {
    await problem(await server.api('GET', `/api/models/alice/lm/card/compare?from=${commits.v1}`), 400, 'to');
    await problem(await server.api('GET', '/api/models/alice/lm/card/compare?from=nope&to=main'), 404, 'from');
  });

  it('lets the publisher edit the card through the API, as a commit with a card.edited audit event', async () => {
    const res = await server.api('PUT', '/api/models/alice/lm/card', { token: alice, json: { content: `${V2}\n## Limitations\n`, message: 'Add limitations', parentCommit: commits.v2 } });
    assert.equal(res.status, 201);
    const { commit } = (await res.json()) as { commit: string };
    const card = (await (await server.api('GET', '/api/models/alice/lm/card')).json()) as { commit: string; content: string; metadata: { license: string } };
    assert.equal(card.commit, commit);
    assert.match(card.content, /## Limitations/);
    assert.equal(card.metadata.license, 'apache-2.0');
    const file = await fetch(`${server.url}/alice/lm/resolve/main/config.json`);
    assert.equal(file.status, 200, 'the other files stay in the new revision');
    const events = await server.runtime.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'card.edited')));
    assert.equal(events.length, 1);
    assert.equal(events[0]!.details.commit, commit);
  });

  it('refuses a stale parent, invalid front matter (naming the line), an oversized card and an unchanged card', async () => {
    await problem(await server.api('PUT', '/api/models/alice/lm/card', { token: alice, json: { content: '# x\n', parentCommit: commits.v1 } }), 409, 'parentCommit');
    const bad = await problem(await server.api('PUT', '/api/models/alice/lm/card', { token: alice, json: { content: '---\nlicense: mit\ntags: [a\nb: c\n---\n# x\n' } }), 400, 'content');
    assert.equal(bad.code, 'invalid_card');
    assert.equal(typeof bad.details?.line, 'number');
    await problem(await server.api('PUT', '/api/models/alice/lm/card', { token: alice, json: { content: 'x'.repeat(1024 * 1024 + 1) } }), 413, 'content');
    const current = (await (await server.api('GET', '/api/models/alice/lm/card')).json()) as { content: string };
    await problem(await server.api('PUT', '/api/models/alice/lm/card', { token: alice, json: { content: current.content } }), 400, 'content');
    await problem(await server.api('PUT', '/api/models/alice/lm/card', { token: alice, json: { message: 'no content' } }), 400, 'content');
  });

  it('does not let a researcher, another publisher, a read token or a visitor edit the card', async () => {
    const edit = (token?: string) => server.api('PUT', '/api/models/alice/lm/card', { token, json: { content: '# hijacked\n' } });
    assert.equal((await edit(await server.createToken('bob'))).status, 403);
    assert.equal((await edit(await server.createToken('carol'))).status, 403);
    assert.equal((await edit(await server.createToken('alice', 'read'))).status, 403);
    assert.equal((await edit()).status, 401);
    const bobCookie = await signIn(server, 'bob', passwords.bob!);
    assert.equal((await getPage(server, '/alice/lm/card/edit', { cookie: bobCookie })).status, 403);
    assert.equal((await postForm(server, '/alice/lm/card/edit', { content: '# hijacked\n' }, { cookie: bobCookie })).status, 403);
    const card = (await (await server.api('GET', '/api/models/alice/lm/card')).json()) as { content: string };
    assert.doesNotMatch(card.content, /hijacked/);
  });

  it('keeps a private repository’s card history from non-members', async () => {
    assert.equal((await server.api('GET', '/api/models/alice/hidden/card/history', { token: await server.createToken('bob') })).status, 404);
    assert.equal((await getPage(server, '/alice/hidden/card/history')).status, 404);
    assert.equal((await server.api('GET', '/api/models/alice/hidden/card/history', { token: alice })).status, 200);
  });

  it('edits the card in the browser form: saved as a commit, errors shown beside the field, other sites refused', async () => {
    const cookie = await signIn(server, 'alice', passwords.alice!);
    const form = await (await getPage(server, '/alice/lm/card/edit', { cookie })).text();
    const parent = /name="parentCommit" value="([0-9a-f]{40})"/.exec(form)?.[1];
    assert.ok(parent);
    assert.match(form, /<textarea name="content"[^>]*>---\nlicense: apache-2.0/);

    const invalid = await postForm(server, '/alice/lm/card/edit', { content: '---\nlicense: [mit\n---\n<script>x</script>', parentCommit: parent, message: '' }, { cookie });
    assert.equal(invalid.status, 400);
    const invalidHtml = await invalid.text();
    assert.match(invalidHtml, /class="field-error" id="content-error" data-line="\d+"[^>]*>README.md front matter is not valid YAML at line \d+/);
    assert.match(invalidHtml, /&lt;script&gt;x&lt;\/script&gt;<\/textarea>/, 'what was typed comes back, escaped');

    const foreign = await postForm(server, '/alice/lm/card/edit', { content: '# evil\n', parentCommit: parent }, { cookie, origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);

    const saved = await postForm(server, '/alice/lm/card/edit', { content: '# LM\n\nEdited in the browser.\n', parentCommit: parent, message: 'Edit from the web' }, { cookie });
    assert.equal(saved.status, 303);
    assert.equal(saved.headers.get('location'), '/alice/lm/card/history');
    const history = (await (await server.api('GET', '/api/models/alice/lm/card/history')).json()) as { message: string; author: string }[];
    assert.deepEqual([history[0]!.message, history[0]!.author], ['Edit from the web', 'alice']);
    const events = await server.runtime.deps.db.select().from(auditEvents).where(eq(auditEvents.action, 'card.edited'));
    assert.deepEqual(events.map((e) => e.details.via).sort(), ['api', 'web']);
  });

  it('links the card history, assessment and transparency from the repository page, and the editor for publishers only', async () => {
    const anonymous = await (await getPage(server, '/alice/lm')).text();
    for (const href of ['/alice/lm/card/history', '/alice/lm/assessment', '/alice/lm/transparency']) assert.ok(anonymous.includes(`href="${href}"`), href);
    assert.ok(!anonymous.includes('href="/alice/lm/card/edit"'));
    const bobPage = await (await getPage(server, '/alice/lm', { cookie: await signIn(server, 'bob', passwords.bob!) })).text();
    assert.ok(!bobPage.includes('href="/alice/lm/card/edit"'));
    const alicePage = await (await getPage(server, '/alice/lm', { cookie: await signIn(server, 'alice', passwords.alice!) })).text();
    assert.ok(alicePage.includes('href="/alice/lm/card/edit"'));
  });

  it('serves the same history for datasets under /datasets/', async () => {
    await createRepo(server, alice, 'alice/corpus', { type: 'dataset' });
    await uploadFiles(server, alice, 'alice/corpus', { 'README.md': '# Corpus\n' }, { type: 'dataset', message: 'Dataset card' });
    const history = (await (await server.api('GET', '/api/datasets/alice/corpus/card/history')).json()) as { message: string }[];
    assert.deepEqual(history.map((h) => h.message), ['Dataset card']);
    assert.equal((await getPage(server, '/datasets/alice/corpus/card/history')).status, 200);
    assert.equal((await getPage(server, '/datasets/alice/corpus')).status, 200, 'the dataset page itself still resolves');
  });
});
