import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { ManualClock } from '../../lib/clock.ts';
import { applicationApi, json, problem, STATEMENT } from '../../../test/support/applications.ts';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, signIn } from '../../../test/support/web-client.ts';

const REPO = 'pub/queue-lm';
type QueueItem = { id: string; submittedAt: string };

describe('the review queue, a page at a time', () => {
  const clock = new ManualClock(new Date('2031-02-01T09:00:00Z'));
  let server: TestServer;
  let pubToken: string;
  let pubCookie: string;
  /** Application ids, oldest first. */
  const submitted: string[] = [];

  before(async () => {
    server = await startTestServer({ clock });
    const pub = await server.createUser('pub');
    pubToken = await server.createToken('pub');
    pubCookie = await signIn(server, 'pub', pub.password);
    await createRepo(server, pubToken, REPO, { accessLevel: 'reviewed' });
    const api = applicationApi(server, REPO);
    for (const name of ['a1', 'a2', 'a3', 'a4', 'a5']) {
      await server.createUser(name);
      const app = await json(await api.apply(await server.createToken(name), { purpose: STATEMENT }), 201);
      submitted.push(app.id);
      clock.advance(60_000);
    }
    // Two applications submitted at the same instant: the page order breaks the tie by id.
    await server.runtime.deps.db.execute(sql`update access_requests set submitted_at = (select submitted_at from access_requests where id = ${submitted[1]!}) where id = ${submitted[2]!}`);
    const [second, third] = [submitted[1]!, submitted[2]!].sort();
    submitted.splice(1, 2, second!, third!);
  });
  after(() => server.close());

  const get = (url: string) => server.api('GET', url.replace(server.url, ''), { token: pubToken });
  const nextLink = (res: Response) => /^<([^>]+)>; rel="next"$/.exec(res.headers.get('link') ?? '')?.[1] ?? null;

  it('answers the oldest hundred by default, with no link when nothing follows', async () => {
    const res = await get('/api/review/queue');
    assert.deepEqual((await json<QueueItem[]>(res, 200)).map((q) => q.id), submitted);
    assert.equal(res.headers.get('link'), null);
  });

  it('walks every application exactly once, oldest first, by following the Link header', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let url: string | null = '/api/review/queue?limit=2';
    while (url) {
      const res: Response = await get(url);
      const page = await json<QueueItem[]>(res, 200);
      sizes.push(page.length);
      seen.push(...page.map((q) => q.id));
      url = nextLink(res);
      if (url) assert.match(url, /^http:\/\/.+\/api\/review\/queue\?limit=2&after=[A-Za-z0-9_-]+$/);
    }
    assert.deepEqual(sizes, [2, 2, 1]);
    assert.deepEqual(seen, submitted);
  });

  it('names the field of a bad limit or cursor', async () => {
    await problem(await get('/api/review/queue?limit=0'), 400, 'invalid_input', 'limit');
    await problem(await get('/api/review/queue?limit=501'), 400, 'invalid_input', 'limit');
    await problem(await get('/api/review/queue?after=not-a-cursor'), 400, 'invalid_input', 'after');
  });

  it('links the queue page in the browser to the next one', async () => {
    const first = await (await getPage(server, '/review?limit=3', { cookie: pubCookie })).text();
    const href = /<a href="([^"]+)" rel="next" data-testid="review-queue-next">/.exec(first)?.[1];
    assert.ok(href, 'the first page links to the next');
    for (const id of submitted.slice(0, 3)) assert.ok(first.includes(`/review/${id}`));
    assert.ok(!first.includes(`/review/${submitted[3]!}`));
    const second = await (await getPage(server, href.replaceAll('&amp;', '&'), { cookie: pubCookie })).text();
    for (const id of submitted.slice(3)) assert.ok(second.includes(`/review/${id}`));
    assert.ok(!second.includes('data-testid="review-queue-next"'), 'the last page links nowhere');
  });
});
