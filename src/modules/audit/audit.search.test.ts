import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, postForm, signIn } from '../../../test/support/web-client.ts';
import { recordAuditEvent } from './audit.repository.ts';

type Record = { seq: number; at: string; action: string; user: string | null; repo: string | null; details: { [k: string]: unknown } };
type Answer = { records: Record[]; next: number | null };

describe('searching the whole audit log as a platform admin', () => {
  let server: TestServer;
  const tokens: { [name: string]: string } = {};
  const passwords: { [name: string]: string } = {};
  const search = async (query: string, token = tokens.operator) => {
    const res = await server.api('GET', `/api/admin/audit?${query}`, { token });
    const body = await res.json();
    return { status: res.status, body: body as Answer & { field?: string } };
  };

  before(async () => {
    server = await startTestServer();
    for (const name of ['operator', 'alice', 'bob']) {
      passwords[name] = (await server.createUser(name, { platformRoles: name === 'operator' ? ['admin'] : [] })).password;
      tokens[name] = await server.createToken(name);
    }
    await createRepo(server, tokens.alice!, 'alice/model');
    await createRepo(server, tokens.bob!, 'bob/data', { type: 'dataset' });
    await uploadFiles(server, tokens.alice!, 'alice/model', { 'a.txt': 'a' });
    await uploadFiles(server, tokens.bob!, 'bob/data', { 'b.csv': 'b' }, { type: 'dataset' });
    await postForm(server, '/login', { username: 'alice', password: 'not her password' });
    // Volume for paging: many records of one rare action, through the same append as every event.
    for (let i = 0; i < 120; i++) await recordAuditEvent(server.runtime.deps.db, { action: 'test.bulk', details: { i } });
  });
  after(() => server.close());

  it('filters by user, repository, action and action family', async () => {
    const byUser = await search('user=alice');
    assert.equal(byUser.status, 200);
    assert.ok(byUser.body.records.length >= 3);
    assert.ok(byUser.body.records.every((r) => r.user === 'alice'));
    const byRepo = await search('repo=datasets/bob/data');
    assert.deepEqual([...new Set(byRepo.body.records.map((r) => r.repo))], ['datasets/bob/data']);
    assert.ok(byRepo.body.records.some((r) => r.action === 'repo.committed'));
    const failed = await search('action=user.sign_in_failed');
    assert.deepEqual(failed.body.records.map((r) => r.details.username), ['alice']);
    const family = await search('action=repo.');
    assert.ok(family.body.records.length >= 4);
    assert.ok(family.body.records.every((r) => r.action.startsWith('repo.')));
    const both = await search('user=bob&action=repo.created');
    assert.deepEqual(both.body.records.map((r) => r.repo), ['datasets/bob/data']);
  });

  it('filters by time range, a bare "to" date covering its whole day', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const all = await search(`action=repo.created&from=${today}&to=${today}`);
    assert.equal(all.body.records.length, 2);
    assert.equal((await search('action=repo.created&from=2999-01-01')).body.records.length, 0);
    assert.equal((await search('action=repo.created&to=2000-01-01')).body.records.length, 0);
  });

  it('pages newest first without gaps or repeats', async () => {
    const seen: number[] = [];
    let query = 'action=test.bulk';
    for (let pages = 0; pages < 10; pages++) {
      const { body } = await search(query);
      seen.push(...body.records.map((r) => r.seq));
      if (body.next === null) break;
      assert.equal(body.records.length, 50);
      query = `action=test.bulk&before=${body.next}`;
    }
    assert.equal(seen.length, 120);
    assert.equal(new Set(seen).size, 120);
    assert.deepEqual(seen, [...seen].sort((a, b) => b - a));
  });

  it('refuses bad filters with 400 naming the field', async () => {
    for (const [query, field] of [['from=yesterday', 'from'], ['user=nobody-at-all', 'user'], ['repo=just-a-name', 'repo'], ['action=DROP%20TABLE', 'action'], ['from=2026-02-01&to=2026-01-01', 'to'], ['before=abc', 'before']] as const) {
      const { status, body } = await search(query);
      assert.equal(status, 400, query);
      assert.equal(body.field, field, query);
    }
  });

  it('is for platform admins only', async () => {
    assert.equal((await search('', tokens.alice)).status, 403);
    assert.equal((await server.api('GET', '/api/admin/audit')).status, 401);
    const anonymous = await getPage(server, '/admin/audit');
    assert.equal(anonymous.status, 303);
    assert.match(anonymous.headers.get('location') ?? '', /^\/login\?next=%2Fadmin%2Faudit/);
    const aliceCookie = await signIn(server, 'alice', passwords.alice!);
    assert.equal((await getPage(server, '/admin/audit', { cookie: aliceCookie })).status, 403);
  });

  it('shows the search as a page with filters and a link to older records', async () => {
    const cookie = await signIn(server, 'operator', passwords.operator!);
    const page = await getPage(server, '/admin/audit?action=test.bulk', { cookie });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.equal(html.match(/data-testid="audit-row"/g)?.length, 50);
    assert.match(html, /<a href="\/admin\/audit">Audit log<\/a>/, 'platform admins find the log in the navigation');
    const aliceHome = await (await getPage(server, '/', { cookie: await signIn(server, 'alice', passwords.alice!) })).text();
    assert.doesNotMatch(aliceHome, /href="\/admin\/audit"/);
    assert.match(html, /href="\/admin\/audit\?action=test\.bulk&amp;before=\d+" rel="next"/);
    const bad = await getPage(server, '/admin/audit?from=someday', { cookie });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /must be a date/i);
  });

  it('answers filtered searches from the indexes on a large log', async () => {
    // 60,000 records, then the planner's choice for each filter: no query may scan the table.
    await server.runtime.deps.db.execute(sql`insert into audit_events (action, at, details) select 'load.filler', now() - (g || ' seconds')::interval, '{}'::jsonb from generate_series(1, 60000) g`);
    await server.runtime.deps.db.execute(sql`analyze audit_events`);
    const plan = async (where: string) => {
      const result = await server.runtime.deps.db.execute(sql.raw(`explain select * from audit_events where ${where} order by seq desc limit 51`));
      return JSON.stringify((result as unknown as { rows: unknown[] }).rows ?? result);
    };
    for (const [where, index] of [
      [`action = 'test.bulk'`, 'audit_events_action_idx'],
      [`action >= 'repo.' and action < 'repo/'`, 'audit_events_action_idx'],
      [`at >= now() - interval '5 seconds' and at <= now()`, 'audit_events_at_idx'],
      [`actor_user_id = '00000000-0000-0000-0000-000000000000'`, 'audit_events_actor_idx'],
      [`repo_id = '00000000-0000-0000-0000-000000000000'`, 'audit_events_repo_idx'],
    ] as const) {
      const text = await plan(where);
      // Not a scan of the table, nor of its primary key in order with a filter: the filter's own index.
      assert.ok(text.includes(index), `${where} does not use ${index}: ${text}`);
    }
  });
});
