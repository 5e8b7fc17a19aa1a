import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { sha256Hex } from '../../lib/crypto.ts';
import { waitForOutbox } from '../../../test/support/credentials.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { auditEvents } from '../audit/audit.tables.ts';
import { misuseReports } from './misuse.tables.ts';

type Report = { id: string; status: string; outcome: string | null; history: { action: string; note?: string | null }[]; statusToken?: string; statusUrl?: string };

describe('misuse reports over the API', () => {
  let server: TestServer;
  const t: Record<string, string> = {};
  const call = (method: string, path: string, token?: string, json?: unknown) => server.api(method, path, { token, json });
  const records = async (action: string) => server.runtime.deps.db.select().from(auditEvents).where(eq(auditEvents.action, action));
  const report = { repo: 'pub/model', category: 'harassment', description: 'The model is used to write targeted abuse at scale.', evidenceLinks: ['https://forum.example/thread/1'] };
  const act = (id: string, json: unknown, token = t.mod) => call('POST', `/api/misuse-reports/${id}/actions`, token, json);
  let anonymous: Report;
  let signedIn: Report;

  before(async () => {
    server = await startTestServer();
    for (const [name, roles] of [['pub', []], ['mod', ['moderator']], ['rita', []], ['abuser', []]] as const) {
      await server.createUser(name, { platformRoles: [...roles] });
      t[name] = await server.createToken(name);
    }
    await createRepo(server, t.pub!, 'pub/model', { accessLevel: 'reviewed' });
    await uploadFiles(server, t.pub!, 'pub/model', { 'README.md': '# Model\n', 'w.bin': 'weights' });
    await createRepo(server, t.pub!, 'pub/secret', { private: true });
    assert.equal((await call('POST', '/api/models/pub/model/grants', t.pub, { user: 'abuser' })).status, 201);
  });
  after(() => server.close());

  it('refuses a report with bad input, naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ ...report, email: 'anon@example.org', category: 'rudeness' }, 'category'],
      [{ ...report, email: 'anon@example.org', description: 'short' }, 'description'],
      [{ ...report, email: 'anon@example.org', evidenceLinks: ['javascript:alert(1)'] }, 'evidenceLinks.0'],
      [{ ...report, email: 'anon@example.org', repo: 'no-slash' }, 'repo'],
      [{ ...report }, 'email'],
    ];
    for (const [body, field] of cases) {
      // Without an account an email is required; every other case is refused to a signed-in user too.
      const res = await call('POST', '/api/misuse-reports', field === 'email' ? undefined : t.rita, body);
      assert.equal(res.status, 400, `${field}: ${await res.clone().text()}`);
      assert.equal(((await res.json()) as { field: string }).field, field);
    }
  });

  it('takes an anonymous report with an email, mails a status link and stores only its hash', async () => {
    const res = await call('POST', '/api/misuse-reports', undefined, { ...report, email: 'anon@example.org' });
    assert.equal(res.status, 201);
    anonymous = (await res.json()) as Report;
    assert.match(anonymous.statusToken!, /^[A-Za-z0-9]{43}$/);
    const [row] = await server.runtime.deps.db.select().from(misuseReports).where(eq(misuseReports.id, anonymous.id));
    assert.equal(row!.statusTokenHash, sha256Hex(anonymous.statusToken!));
    assert.ok(!JSON.stringify(row).includes(anonymous.statusToken!));
    const [mail] = await waitForOutbox(server.dataDir, (m) => m.to.includes('anon@example.org'));
    assert.ok(mail!.text.includes(`/misuse/status/${anonymous.statusToken}`));
    const status = (await (await call('GET', `/api/misuse-reports/status/${anonymous.statusToken}`)).json()) as Report;
    assert.equal(status.status, 'open');
    assert.equal((await call('GET', `/api/misuse-reports/status/${'x'.repeat(43)}`)).status, 404);
    const [audit] = await records('misuse.reported');
    assert.ok(!JSON.stringify(audit!.details).includes('anon@example.org'), 'no reporter email in the audit');
  });

  it("lets a signed-in user report and follow their own reports, and nobody else's", async () => {
    const res = await call('POST', '/api/misuse-reports', t.rita, { ...report, category: 'redistribution', evidenceLinks: [] });
    assert.equal(res.status, 201);
    signedIn = (await res.json()) as Report;
    assert.equal(signedIn.statusToken, undefined);
    const mine = (await (await call('GET', '/api/me/misuse-reports', t.rita)).json()) as { id: string }[];
    assert.deepEqual(mine.map((r) => r.id), [signedIn.id]);
    assert.equal((await call('GET', `/api/me/misuse-reports/${signedIn.id}`, t.rita)).status, 200);
    assert.equal((await call('GET', `/api/me/misuse-reports/${signedIn.id}`, t.pub)).status, 404);
  });

  it('answers 404 for a report about a private repository the reporter cannot see', async () => {
    assert.equal((await call('POST', '/api/misuse-reports', t.rita, { ...report, repo: 'pub/secret' })).status, 404);
  });

  it('shows the queue to moderators only', async () => {
    assert.equal((await call('GET', '/api/misuse-reports', t.rita)).status, 403);
    assert.equal((await call('GET', '/api/misuse-reports')).status, 401);
    const queue = (await (await call('GET', '/api/misuse-reports', t.mod)).json()) as { id: string; anonymous: boolean }[];
    assert.deepEqual(queue.map((q) => [q.id, q.anonymous]), [[anonymous.id, true], [signedIn.id, false]]);
    const heard = (await (await call('GET', '/api/me/notifications', t.mod)).json()) as { subject: string; body: string; link: string }[];
    assert.deepEqual(heard.map((n) => n.link.replace(/^.*\/moderation/, '/moderation')).sort(), [`/moderation/reports/${anonymous.id}`, `/moderation/reports/${signedIn.id}`].sort());
    assert.ok(heard.every((n) => !n.body.includes('anon@example.org') && !n.body.includes('rita')), 'the notice does not name the reporter');
    assert.equal((await act(anonymous.id, { action: 'acknowledge' }, t.rita)).status, 403);
  });

  it('acknowledges, contacts the publisher and revokes a user\'s grant, each recorded', async () => {
    assert.equal(((await (await act(anonymous.id, { action: 'acknowledge' })).json()) as Report).status, 'acknowledged');
    const contact = await act(anonymous.id, { action: 'contact-publisher', message: 'Please add a use policy to the card.' });
    assert.equal(contact.status, 200);
    const notices = (await (await call('GET', '/api/me/notifications', t.pub)).json()) as { body: string }[];
    assert.ok(notices.some((n) => n.body.includes('Please add a use policy to the card.')));
    assert.ok(!notices.some((n) => n.body.includes('anon@example.org')), 'the reporter is not named to the publisher');

    assert.equal((await call('GET', '/pub/model/resolve/main/w.bin', t.abuser)).status, 200);
    assert.equal((await act(anonymous.id, { action: 'revoke-grants', user: 'rita', reason: 'n/a' })).status, 404, 'rita holds no grant');
    const revoked = await act(anonymous.id, { action: 'revoke-grants', user: 'abuser', reason: 'Posted generated abuse' });
    assert.equal(revoked.status, 200, await revoked.clone().text());
    assert.equal((await call('GET', '/pub/model/resolve/main/w.bin', t.abuser)).status, 403);
    assert.equal((await records('grant.revoked'))[0]!.details.reason, 'Posted generated abuse');
    const steps = (await records('misuse.triaged')).map((r) => r.details.step);
    assert.deepEqual(steps, ['acknowledge', 'contact-publisher', 'revoke-grants'], 'the refused revocation left no record');
  });

  it('blocks the repository from a report, resolving it; a failed block changes nothing', async () => {
    const blocked = (await (await act(anonymous.id, { action: 'block', reason: 'Used for targeted harassment' })).json()) as Report & { repository: { blocked: boolean } };
    assert.equal(blocked.status, 'resolved');
    assert.equal(blocked.repository.blocked, true);
    assert.equal((await records('repo.blocked'))[0]!.details.misuseReportId, anonymous.id);
    // The second report asks for a block that already exists: the whole step rolls back.
    assert.equal((await act(signedIn.id, { action: 'block', reason: 'again' })).status, 409);
    const after = (await (await call('GET', `/api/misuse-reports/${signedIn.id}`, t.mod)).json()) as Report;
    assert.equal(after.status, 'open');
    assert.equal(after.history.length, 1);
    assert.equal((await records('misuse.triaged')).length, 4);
    assert.equal((await act(anonymous.id, { action: 'acknowledge' })).status, 409, 'a resolved report takes no more steps');
    const status = (await (await call('GET', `/api/misuse-reports/status/${anonymous.statusToken}`)).json()) as Report;
    assert.deepEqual([status.status, status.outcome], ['resolved', 'Used for targeted harassment']);
    assert.ok(status.history.every((h) => h.note === undefined), 'the reporter does not see moderators\' notes');
  });

  it('dismisses with a reason the reporter reads', async () => {
    assert.equal((await act(signedIn.id, { action: 'dismiss' })).status, 400);
    assert.equal((await act(signedIn.id, { action: 'dismiss', reason: 'Redistribution is allowed by the licence' })).status, 200);
    const mine = (await (await call('GET', `/api/me/misuse-reports/${signedIn.id}`, t.rita)).json()) as Report;
    assert.deepEqual([mine.status, mine.outcome], ['dismissed', 'Redistribution is allowed by the licence']);
    const notices = (await (await call('GET', '/api/me/notifications', t.rita)).json()) as { subject: string }[];
    assert.ok(notices.some((n) => n.subject === 'Your misuse report about pub/model was dismissed'));
  });

  it('limits anonymous reports per address, not signed-in ones', async () => {
    // Two anonymous attempts so far count against the limit of five: the refused one and the report.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call('POST', '/api/misuse-reports', undefined, { ...report, email: 'anon@example.org' })).status);
    assert.deepEqual(statuses, [201, 201, 201, 429, 429]);
    const limited = await call('POST', '/api/misuse-reports', undefined, { ...report, email: 'anon@example.org' });
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal((await call('POST', '/api/misuse-reports', t.rita, report)).status, 201);
  });
});
