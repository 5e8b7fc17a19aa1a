import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { ManualClock } from '../../lib/clock.ts';
import { grants } from '../access/access.tables.ts';
import { applicationEvents, applicationVotes } from './applications.tables.ts';
import { applicationApi, json, problem, STATEMENT, type Application } from '../../../test/support/applications.ts';
import { waitForOutbox } from '../../../test/support/credentials.ts';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';

const REPO = 'lab/genome-lm';

describe('access applications decided by a committee', () => {
  const clock = new ManualClock(new Date('2030-05-01T08:00:00Z'));
  let server: TestServer;
  let api: ReturnType<typeof applicationApi>;
  const t: Record<string, string> = {};
  const apply = async (who: string) => json(await api.apply(t[who]!, { purpose: STATEMENT }), 201);
  const status = async (who: string, id: string) => (await json(await api.get(t[who]!, id), 200)).status;

  before(async () => {
    server = await startTestServer({ clock });
    for (const name of ['boss', 'r1', 'r2', 'r3', 'a1', 'a2', 'a3', 'a4']) {
      await server.createUser(name);
      t[name] = await server.createToken(name);
    }
    await server.createOrg('lab', 'boss');
    await createRepo(server, t.boss!, REPO, { accessLevel: 'reviewed' });
    api = applicationApi(server, REPO);
  });
  after(() => server.close());

  it('lets only publishers manage the committee, which anyone who can see the repository may list', async () => {
    await problem(await api.addReviewer(t.r1!, 'r1'), 403, 'forbidden');
    await problem(await api.addReviewer(t.boss!, 'nobody'), 404, 'user_not_found', 'username');
    for (const r of ['r1', 'r2', 'r3']) assert.equal((await api.addReviewer(t.boss!, r)).status, 201);
    assert.equal((await api.addReviewer(t.boss!, 'r1')).status, 200);
    assert.deepEqual((await json<{ username: string }[]>(await api.reviewers(), 200)).map((r) => r.username), ['r1', 'r2', 'r3']);
    await problem(await api.removeReviewer(t.boss!, 'a1'), 404, 'reviewer_not_found', 'username');
    await json(await api.setPolicy(t.boss!, { decisionRule: { kind: 'committee', required: 2, veto: false } }), 200);
  });

  it('approves at 2 of 3 approvals, one vote per reviewer and round, and mails every reviewer the new application', async () => {
    const app = await apply('a1');
    for (const r of ['r1', 'r2', 'r3']) await waitForOutbox(server.dataDir, (m) => m.to.includes(`${r}@example.org`));
    // Under a committee rule the publisher is not a voter.
    await problem(await api.vote(t.boss!, app.id, 'approve'), 403, 'not_a_reviewer');
    assert.equal((await json(await api.vote(t.r1!, app.id, 'approve'), 201)).status, 'submitted');
    await problem(await api.vote(t.r1!, app.id, 'approve'), 409, 'already_voted');
    assert.equal((await json(await api.vote(t.r2!, app.id, 'reject', 'Too broad a purpose.'), 201)).status, 'submitted');
    await json(await api.comment(t.r3!, app.id, 'The purpose looks fine to me.'), 201);
    const decided = await json(await api.vote(t.r3!, app.id, 'approve'), 201);
    assert.equal(decided.status, 'approved');
    assert.deepEqual(decided.votes!.map((v) => [v.reviewer, v.decision]), [['r1', 'approve'], ['r2', 'reject'], ['r3', 'approve']]);
    await problem(await api.comment(t.a1!, app.id, 'please'), 403, 'own_application');
  });

  it('rejects at once on one rejection when the veto is on, with the reason shown to the applicant', async () => {
    await json(await api.setPolicy(t.boss!, { decisionRule: { kind: 'committee', required: 2, veto: true } }), 200);
    const app = await apply('a2');
    await json(await api.vote(t.r1!, app.id, 'approve'), 201);
    const vetoed = await json(await api.vote(t.r2!, app.id, 'reject', 'No data protection plan.'), 201);
    assert.equal(vetoed.status, 'rejected');
    assert.equal((await api.mine(t.a2!))[0]!.decisionReason, 'No data protection plan.');
    await problem(await api.vote(t.r3!, app.id, 'approve'), 409, 'application_not_open', 'status');
    await json(await api.setPolicy(t.boss!, { decisionRule: { kind: 'committee', required: 2, veto: false } }), 200);
  });

  it('recuses a reviewer who declares a conflict: no vote, marked in the queue, and the rule counts without them', async () => {
    const app = await apply('a3');
    await json(await api.conflict(t.r3!, app.id, 'I co-authored with the applicant.'), 201);
    await problem(await api.vote(t.r3!, app.id, 'approve'), 403, 'recused');
    await problem(await api.comment(t.r3!, app.id, 'x'), 403, 'recused');
    assert.deepEqual((await api.queue(t.r3!)).filter((q) => q.id === app.id).map((q) => q.recused), [true]);
    assert.deepEqual((await api.queue(t.r1!)).filter((q) => q.id === app.id).map((q) => q.recused), [false]);
    await json(await api.vote(t.r1!, app.id, 'approve'), 201);
    // r1 approved and r2 rejects: with r3 recused, 2 approvals are out of reach.
    assert.equal((await json(await api.vote(t.r2!, app.id, 'reject', 'Not convinced.'), 201)).status, 'rejected');
  });

  it('refuses to decide when the rule needs more approvals than eligible members, naming the problem', async () => {
    await json(await api.setPolicy(t.boss!, { decisionRule: { kind: 'committee', required: 3, veto: false } }), 200);
    const app = await apply('a4');
    await json(await api.conflict(t.r1!, app.id, 'Same department.'), 201);
    const refused = await problem(await api.vote(t.r2!, app.id, 'approve'), 409, 'committee_too_small');
    assert.match(refused.error, /needs 3 approvals, but only 2 committee members/);
    assert.equal(await status('a4', app.id), 'submitted');
    await json(await api.setPolicy(t.boss!, { decisionRule: { kind: 'committee', required: 2, veto: false } }), 200);
  });

  it('never lets a committee member review their own application, and counts the committee without them', async () => {
    const own = await apply('r1');
    await problem(await api.vote(t.r1!, own.id, 'approve'), 403, 'own_application');
    assert.ok(!(await api.queue(t.r1!)).some((q) => q.id === own.id));
    await json(await api.vote(t.r2!, own.id, 'approve'), 201);
    assert.equal((await json(await api.vote(t.r3!, own.id, 'approve'), 201)).status, 'approved');
  });
});

describe('concurrent votes', () => {
  let server: TestServer;
  const reviewers: string[] = [];
  const tokens: string[] = [];

  before(async () => {
    server = await startTestServer({ clock: new ManualClock(new Date('2030-06-01T00:00:00Z')) });
    await server.createUser('owner');
    await server.createUser('applicant');
    const owner = await server.createToken('owner');
    await createRepo(server, owner, 'owner/busy-lm', { accessLevel: 'reviewed' });
    const api = applicationApi(server, 'owner/busy-lm');
    for (let i = 0; i < 20; i++) {
      reviewers.push(`rev${i}`);
      await server.createUser(`rev${i}`);
      tokens.push(await server.createToken(`rev${i}`));
      assert.equal((await api.addReviewer(owner, `rev${i}`)).status, 201);
    }
    await json(await api.setPolicy(owner, { decisionRule: { kind: 'committee', required: 3, veto: false } }), 200);
  });
  after(() => server.close());

  it('turns 20 simultaneous approvals into exactly one decision, one grant and one event', async () => {
    const api = applicationApi(server, 'owner/busy-lm');
    const app = await json<Application>(await api.apply(await server.createToken('applicant'), { purpose: STATEMENT }), 201);
    const responses = await Promise.all(tokens.map((token) => api.vote(token, app.id, 'approve')));
    const codes = responses.map((r) => r.status).sort();
    assert.deepEqual(codes, [...Array(3).fill(201), ...Array(17).fill(409)]);
    for (const r of responses.filter((x) => x.status === 409)) assert.equal(((await r.json()) as { code: string }).code, 'application_not_open');
    const { db } = server.runtime.deps;
    assert.equal((await db.select().from(grants).where(eq(grants.requestId, app.id))).length, 1);
    assert.equal((await db.select().from(applicationVotes).where(eq(applicationVotes.applicationId, app.id))).length, 3);
    const events = await db.select().from(applicationEvents).where(eq(applicationEvents.applicationId, app.id));
    assert.deepEqual(events.map((e) => e.action), ['submitted', 'approved']);
  });
});
