import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { auditEvents } from '../audit/audit.tables.ts';

type Thread = { id: string; title: string; locked: boolean; lock: { reason: string } | null; comments: { id: string; author: string; body: string | null; html: string | null; hidden: { by: string; reason: string } | null }[] };

describe('repository discussions over the API', () => {
  let server: TestServer;
  const t: Record<string, string> = {};
  const call = (method: string, path: string, token?: string, json?: unknown) => server.api(method, path, { token, json });
  const records = async (action: string) => server.runtime.deps.db.select().from(auditEvents).where(eq(auditEvents.action, action));
  let threadId = '';

  before(async () => {
    server = await startTestServer();
    for (const [name, roles] of [['pub', []], ['mod', ['moderator']], ['rita', []], ['eve', []]] as const) {
      await server.createUser(name, { platformRoles: [...roles] });
      t[name] = await server.createToken(name);
    }
    t.ritaRead = await server.createToken('rita', 'read');
    await createRepo(server, t.pub!, 'pub/gated', { accessLevel: 'reviewed' });
    await uploadFiles(server, t.pub!, 'pub/gated', { 'README.md': '# Gated\n', 'w.bin': 'weights' });
    await createRepo(server, t.pub!, 'pub/secret', { private: true });
    await createRepo(server, t.pub!, 'pub/data', { type: 'dataset' });
  });
  after(() => server.close());

  it('lets a signed-in user open a thread on a gated repository, and anyone read it', async () => {
    assert.equal((await call('POST', '/api/models/pub/gated/discussions', undefined, { title: 'Eval numbers', body: 'Where?' })).status, 401);
    const bad = await call('POST', '/api/models/pub/gated/discussions', t.rita, { title: 'x', body: 'Where?' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { field: string }).field, 'title');
    const res = await call('POST', '/api/models/pub/gated/discussions', t.rita, { title: 'Eval numbers', body: 'Where are the **numbers**?' });
    assert.equal(res.status, 201, await res.clone().text());
    const thread = (await res.json()) as Thread;
    threadId = thread.id;
    assert.equal(thread.comments[0]!.html, '<p>Where are the <strong>numbers</strong>?</p>\n');
    const list = (await (await call('GET', '/api/models/pub/gated/discussions')).json()) as { title: string }[];
    assert.deepEqual(list.map((l) => l.title), ['Eval numbers']);
    assert.equal((await records('discussion.opened')).length, 1);
  });

  it('renders comments as sanitized markdown: scripts, handlers and javascript: links never reach the HTML', async () => {
    const evil = '<script>alert(1)</script><img src=x onerror="alert(2)">\n\n[click](javascript:alert(3)) and [ok](https://fine.example)\n\n<a href="https://ok.example" onclick="x()">ok</a> <iframe src="https://evil.example"></iframe>';
    assert.equal((await call('POST', `/api/models/pub/gated/discussions/${threadId}/comments`, t.eve, { body: evil })).status, 201);
    const thread = (await (await call('GET', `/api/models/pub/gated/discussions/${threadId}`)).json()) as Thread;
    const html = thread.comments[1]!.html!;
    assert.doesNotMatch(html, /<script|onerror|onclick|href="javascript:|<iframe/i);
    assert.match(html, /<a href="https:\/\/fine.example" rel="nofollow noopener noreferrer">ok<\/a>/);
    assert.match(html, /<a href="https:\/\/ok.example" rel="nofollow noopener noreferrer">ok<\/a>/);
    assert.equal(thread.comments[1]!.body, evil, 'the source is kept as typed');
  });

  it('refuses read tokens, and answers 404 for a thread of another repository or a malformed id', async () => {
    assert.equal((await call('POST', `/api/models/pub/gated/discussions/${threadId}/comments`, t.ritaRead, { body: 'hi' })).status, 403);
    await createRepo(server, t.rita!, 'rita/other');
    assert.equal((await call('GET', `/api/models/rita/other/discussions/${threadId}`)).status, 404);
    const malformed = await call('GET', '/api/models/pub/gated/discussions/not-a-uuid');
    assert.equal(malformed.status, 400);
  });

  it('lets a moderator hide a comment with a reason: its place and the reason stay, its text goes', async () => {
    const thread = (await (await call('GET', `/api/models/pub/gated/discussions/${threadId}`)).json()) as Thread;
    const target = thread.comments[1]!.id;
    assert.equal((await call('POST', `/api/models/pub/gated/discussions/${threadId}/comments/${target}/hide`, t.pub, { reason: 'I dislike it' })).status, 403);
    assert.equal((await call('POST', `/api/models/pub/gated/discussions/${threadId}/comments/${target}/hide`, t.mod, {})).status, 400);
    const res = await call('POST', `/api/models/pub/gated/discussions/${threadId}/comments/${target}/hide`, t.mod, { reason: 'Script injection attempt' });
    assert.equal(res.status, 200);
    const after = (await (await call('GET', `/api/models/pub/gated/discussions/${threadId}`)).json()) as Thread;
    assert.deepEqual(after.comments[1]!.hidden && { by: after.comments[1]!.hidden.by, reason: after.comments[1]!.hidden.reason }, { by: 'mod', reason: 'Script injection attempt' });
    assert.equal(after.comments[1]!.body, null);
    assert.equal(after.comments[1]!.html, null);
    assert.equal(after.comments[1]!.author, 'eve');
    const [hidden] = await records('discussion.comment_hidden');
    assert.equal(hidden!.details.reason, 'Script injection attempt');
  });

  it('shows a hidden comment\'s text to the moderators and its author, as source only, and to nobody else', async () => {
    const seen = async (token?: string) => ((await (await call('GET', `/api/models/pub/gated/discussions/${threadId}`, token)).json()) as { comments: Array<{ hiddenBody?: string; html: string | null }> }).comments[1]!;
    for (const who of ['mod', 'eve']) {
      const comment = await seen(t[who]);
      assert.match(comment.hiddenBody ?? '', /<script>alert\(1\)<\/script>/, who);
      assert.equal(comment.html, null, `${who}: never rendered`);
    }
    for (const who of [undefined, t.rita, t.pub]) assert.equal((await seen(who)).hiddenBody, undefined);
  });

  it('lets a moderator lock a thread: nobody but moderators comments until it is unlocked', async () => {
    assert.equal((await call('POST', `/api/models/pub/gated/discussions/${threadId}/lock`, t.rita, { reason: 'mine' })).status, 403);
    const locked = (await (await call('POST', `/api/models/pub/gated/discussions/${threadId}/lock`, t.mod, { reason: 'Going in circles' })).json()) as Thread;
    assert.equal(locked.lock!.reason, 'Going in circles');
    const refused = await call('POST', `/api/models/pub/gated/discussions/${threadId}/comments`, t.rita, { body: 'one more' });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { code: string }).code, 'thread_locked');
    assert.equal((await call('POST', `/api/models/pub/gated/discussions/${threadId}/comments`, t.mod, { body: 'Locked; see the card.' })).status, 201);
    assert.equal((await call('POST', `/api/models/pub/gated/discussions/${threadId}/lock`, t.mod, { reason: 'again' })).status, 409);
    assert.equal((await call('POST', `/api/models/pub/gated/discussions/${threadId}/unlock`, t.mod)).status, 200);
    assert.equal((await call('POST', `/api/models/pub/gated/discussions/${threadId}/comments`, t.rita, { body: 'one more' })).status, 201);
    assert.deepEqual((await records('discussion.locked')).map((r) => r.details.reason), ['Going in circles']);
    assert.equal((await records('discussion.unlocked')).length, 1);
  });

  it("answers 404 for a private repository's discussions to non-members, and serves them to members", async () => {
    assert.equal((await call('POST', '/api/models/pub/secret/discussions', t.pub, { title: 'Internal notes', body: 'Members only.' })).status, 201);
    assert.equal((await call('GET', '/api/models/pub/secret/discussions')).status, 404);
    assert.equal((await call('GET', '/api/models/pub/secret/discussions', t.rita)).status, 404);
    assert.equal((await call('POST', '/api/models/pub/secret/discussions', t.rita, { title: 'Let me in', body: 'Hello' })).status, 404);
    assert.equal((await call('GET', '/api/models/pub/secret/discussions', t.pub)).status, 200);
  });

  it('serves dataset discussions under /api/datasets', async () => {
    assert.equal((await call('POST', '/api/datasets/pub/data/discussions', t.rita, { title: 'Licence of split B', body: 'Which licence?' })).status, 201);
    assert.equal(((await (await call('GET', '/api/datasets/pub/data/discussions')).json()) as unknown[]).length, 1);
    assert.equal((await call('GET', '/api/models/pub/data/discussions')).status, 404);
  });
});
