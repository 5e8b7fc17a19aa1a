import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.ts';
import { runLocalCommand } from '../../cli/local.ts';
import { applicationApi, json, problem, STATEMENT, type Application } from '../../../test/support/applications.ts';
import { waitForOutbox } from '../../../test/support/credentials.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const DAY = 86_400_000;
type Access = { conditions: { source: string; text?: string; title?: string }[]; grant: { endsAt: string | null } | null; download: { allowed: boolean; code?: string; message?: string } };

async function sweep(server: TestServer) {
  const lines: string[] = [];
  assert.equal(await runLocalCommand(server.runtime.deps, ['admin', 'sweep'], (line) => lines.push(line)), 0);
  return lines.join('\n');
}

describe('conditions by source, grant expiry warnings, renewal and revocation', () => {
  const clock = new ManualClock(new Date('2030-05-01T09:00:00Z'));
  let server: TestServer;
  const t: Record<string, string> = {};
  const reviewed = 'pub/clinical-lm';
  const auto = 'pub/open-terms';
  let api: ReturnType<typeof applicationApi>;
  let autoApi: ReturnType<typeof applicationApi>;
  const access = async (repo: string, token?: string) => json<Access>(await server.api('GET', `/api/models/${repo}/access`, { token }), 200);
  const download = (repo: string, token: string) => server.api('GET', `/${repo}/resolve/main/weights.bin`, { token });

  before(async () => {
    server = await startTestServer({ clock });
    await server.createUser('operator', { platformRoles: ['admin'] });
    for (const name of ['pub', 'rita', 'ria', 'rev1', 'rev2']) await server.createUser(name);
    for (const name of ['operator', 'pub', 'rita', 'ria', 'rev1', 'rev2']) t[name] = await server.createToken(name);
    await createRepo(server, t.pub!, reviewed, { accessLevel: 'reviewed' });
    await uploadFiles(server, t.pub!, reviewed, { 'README.md': '# Clinical LM\n', 'weights.bin': 'weights' });
    await createRepo(server, t.pub!, auto, { accessLevel: 'agreement' });
    await uploadFiles(server, t.pub!, auto, { 'README.md': '# Terms\n', 'weights.bin': 'weights' });
    api = applicationApi(server, reviewed);
    autoApi = applicationApi(server, auto);
    await json(await api.setPolicy(t.pub!, { grantDurationDays: 30, decisionRule: { kind: 'committee', required: 2, veto: false }, conditions: ['Report any re-identification risk to the publisher within 7 days.'] }), 200);
    for (const r of ['rev1', 'rev2']) await json(await api.addReviewer(t.pub!, r), 201);
    await json(await autoApi.setPolicy(t.pub!, { grantDurationDays: 30 }), 200);
  });
  after(() => server.close());

  it('lets only platform admins set platform conditions, and refuses one too short to be a sentence', async () => {
    await problem(await server.api('POST', '/api/conditions', { token: t.pub!, json: { text: 'Do not attempt to re-identify anyone.' } }), 403, 'forbidden');
    await problem(await server.api('POST', '/api/conditions', { token: t.operator!, json: { text: 'no' } }), 400, 'invalid_input', 'text');
    await json(await server.api('POST', '/api/conditions', { token: t.operator!, json: { text: 'Do not attempt to re-identify anyone.' } }), 201);
    const listed = await json<{ source: string; text: string }[]>(await server.api('GET', '/api/conditions'), 200);
    assert.deepEqual(listed.map((c) => [c.source, c.text]), [['platform', 'Do not attempt to re-identify anyone.']]);
  });

  it('refuses committee conditions on a rejection, and puts an approver\'s conditions on the grant', async () => {
    const app = await json<Application>(await api.apply(t.rita!, { purpose: STATEMENT }), 201);
    await problem(await server.api('POST', `/api/access-requests/${app.id}/votes`, { token: t.rev1!, json: { decision: 'reject', comment: 'no', conditions: ['Use only on the hospital cluster.'] } }), 400, 'invalid_input', 'conditions');
    await json(await server.api('POST', `/api/access-requests/${app.id}/votes`, { token: t.rev1!, json: { decision: 'approve', conditions: ['Use only on the hospital cluster.'] } }), 201);
    const decided = await json<Application>(await api.vote(t.rev2!, app.id, 'approve'), 201);
    assert.equal(decided.status, 'approved');
    const status = await access(reviewed, t.rita!);
    assert.deepEqual(status.conditions.filter((c) => c.text).map((c) => [c.source, c.text]), [
      ['platform', 'Do not attempt to re-identify anyone.'],
      ['publisher', 'Report any re-identification risk to the publisher within 7 days.'],
      ['committee', 'Use only on the hospital cluster.'],
    ]);
    assert.equal(status.grant?.endsAt, new Date(clock.now().getTime() + 30 * DAY).toISOString());
    const others = await access(reviewed, t.ria!);
    assert.ok(!others.conditions.some((c) => c.source === 'committee'), 'a grant\'s special conditions are that grantee\'s alone');
  });

  it('warns once, in the app and by mail, when a grant is 14 days from its end', async () => {
    clock.advance(10 * DAY);
    assert.match(await sweep(server), /No access grant is due/);
    clock.advance(7 * DAY);
    const both = await Promise.all([sweep(server), sweep(server)]);
    assert.equal(both.filter((out) => /Sent 1 grant expiry warning\b/.test(out)).length, 1, 'of two sweeps at once, one warns');
    assert.match(await sweep(server), /No access grant is due/, 'a later sweep sends nothing');
    const notes = await api.notifications(t.rita!);
    assert.equal(notes.filter((n) => n.subject.startsWith(`Your access to ${reviewed} ends on`)).length, 1);
    const [mail] = await waitForOutbox(server.dataDir, (m) => m.subject.startsWith(`Your access to ${reviewed} ends on`));
    assert.deepEqual(mail!.to, ['rita@example.org']);
    assert.match(mail!.text, /\/settings\/access/);
  });

  it('sends a renewal at the reviewed level to the committee, and keeps the old grant until it is decided', async () => {
    await problem(await server.api('POST', `/api/models/${reviewed}/renewals`, { token: t.ria!, json: {} }), 409, 'no_grant_to_renew');
    const renewal = await json<Application & { renewal: boolean }>(await server.api('POST', `/api/models/${reviewed}/renewals`, { token: t.rita!, json: { purpose: `${STATEMENT} Second year.` } }), 201);
    assert.equal(renewal.status, 'submitted');
    assert.ok((await api.queue(t.rev1!)).some((q) => q.id === renewal.id));
    const seen = await json<{ renewalOf: { endsAt: string } | null }>(await api.get(t.rev1!, renewal.id), 200);
    assert.equal(seen.renewalOf?.endsAt, (await access(reviewed, t.rita!)).grant?.endsAt, 'reviewers see which grant it would replace');
    assert.equal((await download(reviewed, t.rita!)).status, 200, 'the current grant still works');
    await problem(await server.api('POST', `/api/models/${reviewed}/renewals`, { token: t.rita!, json: {} }), 409, 'application_open');
    await api.vote(t.rev1!, renewal.id, 'approve');
    await json(await api.vote(t.rev2!, renewal.id, 'approve'), 201);
    assert.equal((await access(reviewed, t.rita!)).grant?.endsAt, new Date(clock.now().getTime() + 30 * DAY).toISOString());
  });

  it('grants a renewal at the agreement level at once, and names the end when a grant runs out', async () => {
    await json(await autoApi.apply(t.ria!, { purpose: STATEMENT }), 201);
    clock.advance(31 * DAY);
    const refused = await download(auto, t.ria!);
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('x-error-message') ?? '', /your grant ended on \d{4}-\d{2}-\d{2}\. Renew it/);
    const renewed = await json<Application>(await server.api('POST', `/api/models/${auto}/renewals`, { token: t.ria!, json: {} }), 201);
    assert.equal(renewed.status, 'approved');
    assert.equal((await download(auto, t.ria!)).status, 200);
  });

  it('revokes with a reason the user reads, and can bar re-application until a publisher lifts it', async () => {
    await problem(await server.api('POST', `/api/models/${auto}/grants/revoke`, { token: t.pub!, json: { user: 'ria', blockReapplication: true } }), 400, 'invalid_input', 'reason');
    assert.equal((await download(auto, t.ria!)).status, 200, 'a refused revocation changes nothing');
    await json(await server.api('POST', `/api/models/${auto}/grants/revoke`, { token: t.pub!, json: { user: 'ria', reason: 'shared the weights on a forum', blockReapplication: true } }), 200);
    const refused = await download(auto, t.ria!);
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('x-error-message') ?? '', /revoked on \d{4}-\d{2}-\d{2}\. Reason: shared the weights on a forum\. You may not apply again\./);
    const barred = await problem(await autoApi.apply(t.ria!, { purpose: STATEMENT }), 403, 'reapplication_blocked');
    assert.match(barred.error, /shared the weights on a forum/);
    await problem(await server.api('POST', `/api/models/${auto}/renewals`, { token: t.ria!, json: {} }), 409, 'no_grant_to_renew');
    assert.ok((await api.notifications(t.ria!)).some((n) => n.subject === `Your access to ${auto} was revoked` && n.body.includes('shared the weights')));
    await json(await server.api('DELETE', `/api/models/${auto}/reapplication-blocks/ria`, { token: t.pub! }), 200);
    assert.equal((await json<Application>(await autoApi.apply(t.ria!, { purpose: STATEMENT }), 201)).status, 'approved');
  });

  it('lifts the bar on re-application when the publisher grants the barred user directly', async () => {
    await json(await server.api('POST', `/api/models/${auto}/grants/revoke`, { token: t.pub!, json: { user: 'ria', reason: 'a second lapse', blockReapplication: true } }), 200);
    await problem(await autoApi.apply(t.ria!, { purpose: STATEMENT }), 403, 'reapplication_blocked');
    await json(await server.api('POST', `/api/models/${auto}/user-access-request/grant`, { token: t.pub!, json: { user: 'ria' } }), 200);
    assert.equal((await download(auto, t.ria!)).status, 200);
    await problem(await server.api('DELETE', `/api/models/${auto}/reapplication-blocks/ria`, { token: t.pub! }), 404, 'block_not_found');
  });
});
