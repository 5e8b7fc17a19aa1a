import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.ts';
import { applicationApi, json, problem, STATEMENT, type Application } from '../../../test/support/applications.ts';
import { waitForOutbox } from '../../../test/support/credentials.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const REPO = 'pub/clinical-lm';
const FORM = [
  { name: 'affiliation', label: 'Affiliation', type: 'text', required: true },
  { name: 'country', label: 'Country', type: 'country', required: true },
  { name: 'use', label: 'Intended use', type: 'select', options: ['research', 'education'], required: true },
];
const ANSWERS = { affiliation: 'University of Testing', country: 'DE', use: 'research' };

describe('access applications: the single-approver lifecycle through the API', () => {
  const clock = new ManualClock(new Date('2030-03-01T10:00:00Z'));
  let server: TestServer;
  let api: ReturnType<typeof applicationApi>;
  const t: Record<string, string> = {};
  let ritaApp: Application;

  before(async () => {
    server = await startTestServer({ clock });
    for (const name of ['pub', 'rita', 'sam', 'olga', 'vic']) {
      await server.createUser(name);
      t[name] = await server.createToken(name);
    }
    t.pubRead = await server.createToken('pub', 'read');
    await createRepo(server, t.pub!, REPO, { accessLevel: 'reviewed' });
    await uploadFiles(server, t.pub!, REPO, { 'weights.bin': 'weights' });
    api = applicationApi(server, REPO);
  });
  after(() => server.close());

  const download = (token: string) => server.api('GET', `/${REPO}/resolve/main/weights.bin`, { token });

  it('shows the default policy to anyone and lets only publishers change it, validating the rule', async () => {
    const policy = await json<{ decisionRule: unknown; form: { source: string } }>(await api.policy(), 200);
    assert.deepEqual(policy.decisionRule, { kind: 'single' });
    assert.equal(policy.form.source, 'none');
    await problem(await api.setPolicy(t.rita!, { minStatementLength: 5 }), 403, 'forbidden');
    await problem(await api.setPolicy(t.pubRead!, { minStatementLength: 5 }), 403, 'insufficient_scope');
    await problem(await api.setPolicy(t.pub!, { decisionRule: { kind: 'committee', required: 0 } }), 400, 'invalid_input', 'decisionRule.required');
    await problem(await api.setPolicy(t.pub!, { formFields: [{ name: 'x', label: 'X', type: 'select' }] }), 400, 'invalid_input', 'formFields.0.options');
    const saved = await json<{ minStatementLength: number; grantDurationDays: number; form: { source: string; fields: unknown[] } }>(
      await api.setPolicy(t.pub!, { minStatementLength: 50, grantDurationDays: 30, formFields: FORM }), 200);
    assert.equal(saved.minStatementLength, 50);
    assert.equal(saved.form.source, 'policy');
    assert.equal(saved.form.fields.length, 3);
  });

  it('refuses incomplete or invalid applications naming the field, and stores nothing', async () => {
    await problem(await api.apply(t.rita!, { purpose: STATEMENT, fields: { country: 'DE', use: 'research' } }), 400, 'invalid_field', 'fields.affiliation');
    await problem(await api.apply(t.rita!, { purpose: STATEMENT, fields: { ...ANSWERS, country: 'XX' } }), 400, 'invalid_field', 'fields.country');
    await problem(await api.apply(t.rita!, { purpose: STATEMENT, fields: { ...ANSWERS, use: 'profit' } }), 400, 'invalid_field', 'fields.use');
    await problem(await api.apply(t.rita!, { purpose: STATEMENT, fields: { ...ANSWERS, extra: 'x' } }), 400, 'invalid_field', 'fields.extra');
    const short = await problem(await api.apply(t.rita!, { purpose: 'Research.', fields: ANSWERS }), 400, 'statement_too_short', 'purpose');
    assert.match(short.error, /at least 50 characters/);
    await problem(await api.apply(t.rita!, { purpose: 7, fields: ANSWERS }), 400, 'invalid_input', 'purpose');
    assert.deepEqual(await api.mine(t.rita!), []);
  });

  it('submits a complete application, tells the publisher by mail and in the app, and refuses a second one', async () => {
    ritaApp = await json(await api.apply(t.rita!, { purpose: STATEMENT, fields: ANSWERS }), 201);
    assert.equal(ritaApp.status, 'submitted');
    assert.deepEqual(ritaApp.events.map((e) => [e.action, e.from, e.to, e.by]), [['submitted', null, 'submitted', 'applicant']]);
    await problem(await api.apply(t.rita!, { purpose: STATEMENT, fields: ANSWERS }), 409, 'application_open');
    const [mail] = await waitForOutbox(server.dataDir, (m) => m.to.includes('pub@example.org'));
    assert.match(mail!.subject, /Access application submitted for pub\/clinical-lm: rita Example/);
    const notes = await api.notifications(t.pub!);
    assert.ok(notes.some((n) => n.link?.endsWith(`/review/${ritaApp.id}`)));
    assert.equal((await download(t.rita!)).status, 403);
  });

  it('lets the publisher see it in the queue with the full view; the applicant cannot vote, nor can an outsider', async () => {
    assert.deepEqual((await api.queue(t.pub!)).map((q) => q.id), [ritaApp.id]);
    assert.deepEqual(await api.queue(t.rita!), []);
    const full = await json<Application & { applicant: { credential: { status: string } } }>(await api.get(t.pub!, ritaApp.id), 200);
    assert.equal(full.applicant.credential.status, 'none');
    await problem(await api.vote(t.rita!, ritaApp.id, 'approve'), 403, 'own_application');
    await problem(await api.vote(t.sam!, ritaApp.id, 'approve'), 403, 'not_a_reviewer');
    await problem(await api.get(t.sam!, ritaApp.id), 404, 'application_not_found');
    await problem(await api.vote(t.pubRead!, ritaApp.id, 'approve'), 403, 'insufficient_scope');
  });

  it('refuses an edit or a resubmission while the application is submitted', async () => {
    await problem(await api.edit(t.rita!, ritaApp.id, { purpose: `${STATEMENT} Edited.` }), 409, 'application_not_editable', 'status');
    await problem(await api.submit(t.rita!, ritaApp.id), 409, 'application_transition_refused', 'status');
    await problem(await api.edit(t.sam!, ritaApp.id, { purpose: 'mine now' }), 404, 'application_not_found');
  });

  it('needs a comment to return or reject; a return starts a new round and tells the applicant why', async () => {
    await problem(await api.vote(t.pub!, ritaApp.id, 'return'), 400, 'invalid_input', 'comment');
    await problem(await api.vote(t.pub!, ritaApp.id, 'reject', '   '), 400, 'invalid_input', 'comment');
    await json(await api.vote(t.pub!, ritaApp.id, 'return', 'Name your ethics approval in the statement.'), 201);
    const [mine] = await api.mine(t.rita!);
    assert.equal(mine!.status, 'returned');
    assert.equal(mine!.round, 2);
    assert.equal(mine!.decisionReason, 'Name your ethics approval in the statement.');
    const mail = await waitForOutbox(server.dataDir, (m) => m.to.includes('rita@example.org') && /needs changes/.test(m.subject));
    assert.match(mail[0]!.text, /Name your ethics approval/);
    await problem(await api.vote(t.pub!, ritaApp.id, 'approve'), 409, 'application_not_open', 'status');
  });

  it('lets the applicant edit and resubmit, checked again; then one approval grants access for the policy duration', async () => {
    await problem(await api.edit(t.rita!, ritaApp.id, { purpose: 42 }), 400, 'invalid_input', 'purpose');
    await json(await api.edit(t.rita!, ritaApp.id, { purpose: 'too short' }), 200);
    await problem(await api.submit(t.rita!, ritaApp.id), 400, 'statement_too_short', 'purpose');
    await json(await api.edit(t.rita!, ritaApp.id, { purpose: `${STATEMENT} Ethics approval: IRB-2030-17.` }), 200);
    assert.equal((await json(await api.submit(t.rita!, ritaApp.id), 200)).status, 'submitted');
    await waitForOutbox(server.dataDir, (m) => m.to.includes('pub@example.org') && /resubmitted/.test(m.subject));

    const approved = await json(await api.vote(t.pub!, ritaApp.id, 'approve'), 201);
    assert.equal(approved.status, 'approved');
    assert.deepEqual(approved.events.map((e) => e.action), ['submitted', 'returned', 'submitted', 'approved']);
    assert.equal((await download(t.rita!)).status, 200);
    const status = await json<{ grant: { endsAt: string } }>(await server.api('GET', `/api/models/${REPO}/access`, { token: t.rita! }), 200);
    assert.equal(status.grant.endsAt, new Date(clock.now().getTime() + 30 * 86_400_000).toISOString());
    await waitForOutbox(server.dataDir, (m) => m.to.includes('rita@example.org') && /is approved/.test(m.subject));
    await problem(await api.vote(t.pub!, ritaApp.id, 'reject', 'changed my mind'), 409, 'application_not_open', 'status');
    // The grant ends with its duration.
    clock.advance(31 * 86_400_000);
    assert.equal((await download(t.rita!)).status, 403);
  });

  it('lets an applicant withdraw, once, and nobody else', async () => {
    const app = await json(await api.apply(t.olga!, { purpose: STATEMENT, fields: ANSWERS }), 201);
    await problem(await api.withdraw(t.sam!, app.id), 404, 'application_not_found');
    assert.equal((await json(await api.withdraw(t.olga!, app.id), 200)).status, 'withdrawn');
    await problem(await api.withdraw(t.olga!, app.id), 409, 'application_transition_refused', 'status');
    await problem(await api.vote(t.pub!, app.id, 'approve'), 409, 'application_not_open', 'status');
    // Withdrawn is closed: a new application may start.
    clock.advance(60_000);
    assert.equal((await json(await api.apply(t.olga!, { purpose: STATEMENT, fields: ANSWERS }), 201)).status, 'submitted');
  });

  it('shows the rejection reason to the applicant and mails it', async () => {
    const app = await json(await api.apply(t.vic!, { purpose: STATEMENT, fields: ANSWERS }), 201);
    const rejected = await json(await api.vote(t.pub!, app.id, 'reject', 'The stated use is commercial.'), 201);
    assert.equal(rejected.status, 'rejected');
    const [mine] = await api.mine(t.vic!);
    assert.equal(mine!.decisionReason, 'The stated use is commercial.');
    assert.deepEqual(mine!.events.at(-1), { action: 'rejected', from: 'submitted', to: 'rejected', by: 'reviewer', comment: 'The stated use is commercial.', at: mine!.events.at(-1)!.at });
    const [mail] = await waitForOutbox(server.dataDir, (m) => m.to.includes('vic@example.org'));
    assert.match(mail!.text, /Reason:\nThe stated use is commercial\./);
    assert.equal((await download(t.vic!)).status, 403);
  });

  it('keeps the Hub owner API on the same meaning: pending lists submitted, handle accepts as a publisher decision', async () => {
    const pending = await json<{ user: { user: string }; status: string }[]>(await server.api('GET', `/api/models/${REPO}/user-access-request/pending`, { token: t.pub! }), 200);
    assert.deepEqual(pending.map((p) => [p.user.user, p.status]), [['olga', 'pending']]);
    await json(await server.api('POST', `/api/models/${REPO}/user-access-request/handle`, { token: t.pub!, json: { user: 'olga', status: 'accepted' } }), 200);
    const [mine] = await api.mine(t.olga!);
    assert.equal(mine!.status, 'approved');
    assert.deepEqual(mine!.events.at(-1)!.by, 'publisher');
    assert.equal((await download(t.olga!)).status, 200);
  });
});
