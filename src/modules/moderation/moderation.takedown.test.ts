import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { COMPLETE } from '../../../test/support/assessments.ts';
import { waitForOutbox } from '../../../test/support/credentials.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, postForm, signIn } from '../../../test/support/web-client.ts';
import { auditEvents } from '../audit/audit.tables.ts';

type Thread = { id: string; kind: string; comments: { author: string; body: string }[] };

describe('the takedown flow: block, notice, appeal, unblock', () => {
  let server: TestServer;
  const t: Record<string, string> = {};
  const pw: Record<string, string> = {};
  const call = (method: string, path: string, token?: string, json?: unknown) => server.api(method, path, { token, json });
  const records = async (action: string) => server.runtime.deps.db.select().from(auditEvents).where(eq(auditEvents.action, action));

  before(async () => {
    server = await startTestServer();
    for (const [name, roles] of [['pub', []], ['mod', ['moderator']], ['rita', []]] as const) {
      pw[name] = (await server.createUser(name, { platformRoles: [...roles] })).password;
      t[name] = await server.createToken(name);
    }
    await createRepo(server, t.pub!, 'pub/model');
    await uploadFiles(server, t.pub!, 'pub/model', { 'README.md': '# Model\n', 'w.bin': 'weights' });
  });
  after(() => server.close());

  it('notifies the publisher in the app and by mail when a moderator blocks the repository', async () => {
    assert.equal((await call('POST', '/api/models/pub/model/block', t.mod, { reason: 'Trained on scraped private messages' })).status, 200);
    const mails = await waitForOutbox(server.dataDir, (m) => m.to.includes('pub@example.org') && /was blocked/.test(m.subject));
    assert.match(mails[0]!.text, /Reason: Trained on scraped private messages/);
    assert.match(mails[0]!.text, /\/pub\/model\/appeal/);
    const notices = (await (await call('GET', '/api/me/notifications', t.pub)).json()) as { subject: string }[];
    assert.ok(notices.some((n) => n.subject === 'pub/model was blocked by the platform moderators'));
  });

  it('keeps the discussion readable and open while no file is served', async () => {
    const download = await call('GET', '/pub/model/resolve/main/w.bin', t.rita);
    assert.equal(download.status, 403);
    assert.match(download.headers.get('x-error-message') ?? '', /Trained on scraped private messages/);
    const opened = await call('POST', '/api/models/pub/model/discussions', t.rita, { title: 'Why blocked?', body: 'Is there a mirror?' });
    assert.equal(opened.status, 201);
    assert.equal((await call('GET', '/api/models/pub/model/discussions')).status, 200);
    assert.equal((await call('GET', '/pub/model/resolve/main/README.md')).status, 200, 'the card stays readable');
  });

  it('lets the publisher appeal in a thread only publishers and moderators see, and tells the blocking moderator', async () => {
    assert.equal((await call('POST', '/api/models/pub/model/appeal', t.rita, { body: 'I object' })).status, 404);
    assert.equal((await call('POST', '/api/models/pub/model/appeal', t.pub, {})).status, 400);
    const res = await call('POST', '/api/models/pub/model/appeal', t.pub, { body: 'The messages were public posts; see the data statement.' });
    assert.equal(res.status, 201, await res.clone().text());
    const appeal = (await res.json()) as Thread;
    assert.equal(appeal.kind, 'appeal');
    // A second appeal while the first is open adds to the same thread.
    const again = (await (await call('POST', '/api/models/pub/model/appeal', t.pub, { body: 'Any news?' })).json()) as Thread;
    assert.equal(again.id, appeal.id);
    assert.equal(again.comments.length, 2);

    assert.equal((await call('GET', `/api/models/pub/model/discussions/${appeal.id}`, t.rita)).status, 404);
    assert.equal((await call('GET', `/api/models/pub/model/discussions/${appeal.id}`)).status, 404);
    const ritaList = (await (await call('GET', '/api/models/pub/model/discussions', t.rita)).json()) as { kind: string }[];
    assert.deepEqual(ritaList.map((l) => l.kind), ['discussion']);
    const modList = (await (await call('GET', '/api/models/pub/model/discussions', t.mod)).json()) as { kind: string }[];
    assert.deepEqual(modList.map((l) => l.kind).sort(), ['appeal', 'discussion']);
    assert.equal((await call('POST', `/api/models/pub/model/discussions/${appeal.id}/comments`, t.mod, { body: 'We will look at the data statement.' })).status, 201);
    assert.equal((await call('POST', `/api/models/pub/model/discussions/${appeal.id}/comments`, t.rita, { body: 'me too' })).status, 404);

    const mails = await waitForOutbox(server.dataDir, (m) => m.to.includes('mod@example.org') && /Appeal against the block of pub\/model/.test(m.subject));
    assert.equal(mails.length, 1, 'only the first appeal message notifies');
    assert.equal((await records('repo.appealed')).length, 2);

    const queue = await getPage(server, '/moderation/reports', { cookie: await signIn(server, 'mod', pw.mod!) });
    assert.match(await queue.text(), new RegExp(`/pub/model/discussions/${appeal.id}`));
  });

  it('lets a moderator unblock from the repository page form, recording it and notifying the publisher', async () => {
    const modCookie = await signIn(server, 'mod', pw.mod!);
    const page = await (await getPage(server, '/pub/model', { cookie: modCookie })).text();
    assert.match(page, /data-testid="moderation-panel"/);
    assert.match(page, /action="\/pub\/model\/moderation\/unblock"/);
    const ritaPage = await (await getPage(server, '/pub/model', { cookie: await signIn(server, 'rita', pw.rita!) })).text();
    assert.doesNotMatch(ritaPage, /moderation-panel/);
    const pubPage = await (await getPage(server, '/pub/model', { cookie: await signIn(server, 'pub', pw.pub!) })).text();
    assert.match(pubPage, /href="\/pub\/model\/appeal"/);

    const res = await postForm(server, '/pub/model/moderation/unblock', { reason: 'Data statement checked' }, { cookie: modCookie });
    assert.equal(res.status, 303);
    assert.equal((await call('GET', '/pub/model/resolve/main/w.bin')).status, 200);
    assert.equal((await records('repo.unblocked'))[0]!.details.reason, 'Data statement checked');
    await waitForOutbox(server.dataDir, (m) => m.to.includes('pub@example.org') && /was unblocked/.test(m.subject));
    assert.equal((await call('POST', '/api/models/pub/model/appeal', t.pub, { body: 'late' })).status, 409);
    const [appeal] = (await (await call('GET', '/api/models/pub/model/discussions', t.pub)).json() as { id: string; kind: string }[]).filter((d) => d.kind === 'appeal');
    const closed = (await (await call('GET', `/api/models/pub/model/discussions/${appeal!.id}`, t.pub)).json()) as { lock: { reason: string; by: string } | null };
    assert.deepEqual(closed.lock && [closed.lock.by, closed.lock.reason], ['mod', 'The block was lifted: Data statement checked.']);
  });

  it('blocks from the page form with a reason, and refuses the form to non-moderators', async () => {
    const ritaCookie = await signIn(server, 'rita', pw.rita!);
    assert.equal((await postForm(server, '/pub/model/moderation/block', { reason: 'spite' }, { cookie: ritaCookie })).status, 403);
    const modCookie = await signIn(server, 'mod', pw.mod!);
    assert.equal((await postForm(server, '/pub/model/moderation/block', { reason: '' }, { cookie: modCookie })).status, 400);
    assert.equal((await postForm(server, '/pub/model/moderation/block', { reason: 'Second credible report' }, { cookie: modCookie })).status, 303);
    const page = await (await getPage(server, '/pub/model')).text();
    assert.match(page, /Blocked by mod on/);
    assert.match(page, /Reason: Second credible report/);
    await createRepo(server, t.pub!, 'pub/data', { type: 'dataset' });
    assert.equal((await postForm(server, '/datasets/pub/data/moderation/block', { reason: 'Personal data of minors' }, { cookie: modCookie })).status, 303);
    assert.match(await (await getPage(server, '/datasets/pub/data')).text(), /Reason: Personal data of minors/);
    assert.equal((await call('POST', '/api/datasets/pub/data/appeal', t.pub, { body: 'The data is synthetic.' })).status, 201);
  });

  it("shows a moderator's required stricter level as a platform condition on the repository page", async () => {
    await createRepo(server, t.pub!, 'pub/toxic', { accessLevel: 'no-download' });
    assert.equal((await call('POST', '/api/models/pub/toxic/assessment/submit', t.pub, { ...COMPLETE, accessLevel: 'agreement' })).status, 201);
    const decided = await call('POST', '/api/models/pub/toxic/assessment/versions/1/decision', t.mod, { decision: 'require-stricter', requiredLevel: 'reviewed', rationale: 'Harassment risk needs a committee.' });
    assert.equal(decided.status, 200, await decided.clone().text());
    const page = await (await getPage(server, '/pub/toxic')).text();
    const platform = /<div data-source="platform">([\s\S]*?)<\/div>/.exec(page)?.[1] ?? '';
    assert.match(platform, /Platform release review requires at least the &quot;reviewed&quot; access level \(assessment version 1\)/);
  });
});
