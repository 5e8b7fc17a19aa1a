import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { runLocalCommand } from '../../src/cli/local.ts';
import { grants } from '../../src/modules/access/access.tables.ts';
import { applicationEvents, applicationVotes } from '../../src/modules/applications/applications.tables.ts';
import { auditEvents } from '../../src/modules/audit/audit.tables.ts';
import { applicationApi, json, STATEMENT, type Application } from '../support/applications.ts';
import { createRepo, startTestServer, type TestServer } from '../support/test-server.ts';

const N = 50;
const statuses = (responses: Response[]) => responses.map((r) => r.status).sort((a, b) => a - b);
const count = (list: number[], status: number) => list.filter((s) => s === status).length;

describe(`fifty concurrent decisions on the same objects (${process.env.AIRLOCK_TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let server: TestServer;
  const t: Record<string, string> = {};
  const reviewers = ['r1', 'r2', 'r3', 'r4', 'r5'];
  const db = () => server.runtime.deps.db;
  const auditCount = async (action: string, applicationId?: string) =>
    (await db().select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(and(eq(auditEvents.action, action), applicationId ? sql`${auditEvents.details}->>'applicationId' = ${applicationId}` : undefined)))[0]!.n;
  const transitions = async (applicationId: string) =>
    (await db().select().from(applicationEvents).where(eq(applicationEvents.applicationId, applicationId)).orderBy(applicationEvents.seq)).map((e) => `${e.fromStatus ?? '-'}→${e.toStatus}`);

  before(async () => {
    server = await startTestServer();
    for (const name of ['boss', ...reviewers, 'ann', 'ben', 'cat']) {
      await server.createUser(name);
      t[name] = await server.createToken(name);
    }
    await server.createOrg('lab', 'boss');
    await createRepo(server, t.boss!, 'lab/committee-lm', { accessLevel: 'reviewed' });
    await createRepo(server, t.boss!, 'lab/single-lm', { accessLevel: 'reviewed' });
    const committee = applicationApi(server, 'lab/committee-lm');
    for (const r of reviewers) assert.equal((await committee.addReviewer(t.boss!, r)).status, 201);
    await json(await committee.setPolicy(t.boss!, { decisionRule: { kind: 'committee', required: 3, veto: false } }), 200);
  });
  after(() => server?.close());

  it('counts one vote per reviewer and approves once when five reviewers each vote ten times at once', async () => {
    const api = applicationApi(server, 'lab/committee-lm');
    const app = await json(await api.apply(t.ann!, { purpose: STATEMENT }), 201);
    const responses = await Promise.all(Array.from({ length: N }, (_, i) => api.vote(t[reviewers[i % reviewers.length]!]!, app.id, 'approve')));
    const codes = statuses(responses);
    assert.equal(count(codes, 500), 0, `no server error: ${codes}`);
    const accepted = count(codes, 201);
    assert.ok(accepted >= 3 && accepted <= reviewers.length, `between 3 and 5 votes accepted, got ${accepted}: ${codes}`);
    assert.equal(accepted + count(codes, 409), N, `every other vote is refused as a conflict: ${codes}`);
    const votes = await db().select().from(applicationVotes).where(eq(applicationVotes.applicationId, app.id));
    assert.equal(votes.length, accepted);
    assert.equal(new Set(votes.map((v) => v.reviewerId)).size, votes.length, 'no reviewer counted twice');
    assert.equal((await json<Application>(await api.get(t.ann!, app.id), 200)).status, 'approved');
    assert.equal((await db().select().from(grants).where(eq(grants.requestId, app.id))).length, 1, 'exactly one grant');
    assert.equal(await auditCount('access_request.voted', app.id), accepted);
    assert.equal(await auditCount('grant.created', app.id), 1);
    assert.deepEqual(await transitions(app.id), ['-→submitted', 'submitted→approved']);
  });

  it('approves once when the publisher sends fifty approvals of one application at once', async () => {
    const api = applicationApi(server, 'lab/single-lm');
    const app = await json(await api.apply(t.ben!, { purpose: STATEMENT }), 201);
    const codes = statuses(await Promise.all(Array.from({ length: N }, () => api.vote(t.boss!, app.id, 'approve'))));
    assert.equal(count(codes, 201), 1, `${codes}`);
    assert.equal(count(codes, 409), N - 1, `${codes}`);
    assert.equal((await db().select().from(grants).where(eq(grants.requestId, app.id))).length, 1);
    assert.equal(await auditCount('grant.created', app.id), 1);
    assert.deepEqual(await transitions(app.id), ['-→submitted', 'submitted→approved']);
  });

  it('revokes once when fifty revocations of one grant arrive at once, with one audit record and one notice', async () => {
    const codes = statuses(await Promise.all(Array.from({ length: N }, () => server.api('POST', '/api/models/lab/single-lm/grants/revoke', { token: t.boss!, json: { user: 'ben', reason: 'Concurrent revocation test.' } }))));
    assert.equal(count(codes, 200), 1, `${codes}`);
    assert.equal(count(codes, 404), N - 1, `the others find no active grant: ${codes}`);
    const revokedAudit = (await db().select().from(auditEvents).where(eq(auditEvents.action, 'grant.revoked'))).filter((e) => (e.details as { user?: string }).user === 'ben');
    assert.equal(revokedAudit.length, 1);
    const notices = await json<{ subject: string }[]>(await server.api('GET', '/api/me/notifications', { token: t.ben! }), 200);
    assert.equal(notices.filter((n) => /revoked/i.test(n.subject)).length, 1, JSON.stringify(notices));
  });

  it('keeps one open application when an applicant submits fifty at once', async () => {
    const api = applicationApi(server, 'lab/single-lm');
    const codes = statuses(await Promise.all(Array.from({ length: N }, () => api.apply(t.cat!, { purpose: STATEMENT }))));
    assert.equal(count(codes, 500), 0, `${codes}`);
    assert.equal(count(codes, 201), 1, `${codes}`);
    const mine = (await api.mine(t.cat!)).filter((a) => a.status === 'submitted');
    assert.equal(mine.length, 1);
  });

  it('leaves an audit chain that verifies after the bursts', async () => {
    await server.flushAudit();
    const lines: string[] = [];
    assert.equal(await runLocalCommand(server.runtime.deps, ['audit', 'verify'], (l) => lines.push(l)), 0, lines.join('\n'));
  });
});
