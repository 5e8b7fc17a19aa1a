import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loggedPath } from '../../app/middleware/request-context.ts';
import { sha256Hex } from '../../lib/crypto.ts';
import { ManualClock } from '../../lib/clock.ts';
import { auditEvents } from '../audit/audit.tables.ts';
import { notifications } from '../notifications/notifications.tables.ts';
import { expectJson, prepareApplication, PROFILE, REFERENCE, referenceTokenOf, staffStep, submit } from '../../../test/support/credentials.ts';
import { startSmtpSink, type SmtpSink } from '../../../test/support/smtp-sink.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { credentialStatus, hasActiveCredential } from './credentials.usecases.ts';

interface MyCredential { application: { id: string; status: string; stage: string | null; stages: { name: string; state: string }[]; nextStep: string; events: { action: string; by: string; comment: string | null }[]; referenceRequest: { state: string } | null } }

describe('a researcher is credentialed, from profile to revocation, with mail through a real SMTP server', () => {
  let server: TestServer;
  let smtp: SmtpSink;
  const clock = new ManualClock(new Date('2030-03-01T09:00:00Z'));
  let rita: { id: string };
  let researcher: string;
  let staff: string;
  let applicationId: string;
  let referenceToken: string;
  /** Every body the applicant's own API calls returned: the reference token must be in none. */
  const seenByApplicant: string[] = [];

  const asApplicant = async (method: string, path: string, json?: unknown) => {
    const res = await server.api(method, path, { token: researcher, json });
    const text = await res.text();
    seenByApplicant.push(text);
    return { status: res.status, body: JSON.parse(text) as MyCredential & Record<string, unknown> };
  };

  before(async () => {
    smtp = await startSmtpSink();
    server = await startTestServer({ clock, config: { smtpUrl: smtp.url, mailFrom: 'credentials@airlock.test' } });
    rita = await server.createUser('rita');
    await server.createUser('carol', { platformRoles: ['credentialing'] });
    await server.createUser('root', { platformRoles: ['admin'] });
    researcher = await server.createToken('rita');
    staff = await server.createToken('carol');
  });
  after(async () => {
    await server.close();
    await smtp.close();
  });

  it('saves a profile and a draft, showing what is still missing until both are complete', async () => {
    const empty = await asApplicant('GET', '/api/me/credential');
    assert.equal(empty.body.application, null);
    assert.ok((empty.body.missing as { field: string }[]).some((g) => g.field === 'profile.country'));
    const profile = await asApplicant('PUT', '/api/me/profile', PROFILE);
    assert.equal(profile.status, 200);
    assert.equal(profile.body.complete, true);
    assert.equal(profile.body.countryName, 'Germany');
    const draft = await asApplicant('PUT', '/api/me/credential', { researchSummary: 'too short', reference: REFERENCE });
    assert.equal(draft.status, 201);
    assert.equal(draft.body.application.status, 'draft');
    assert.deepEqual((draft.body.missing as { field: string }[]).map((g) => g.field), ['researchSummary']);
    applicationId = (await prepareApplication(server, researcher)).id;
    assert.equal(applicationId, draft.body.application.id, 'the second save edits the same draft');
  });

  it('submits, mails the reference a personal link and the credentialing staff the queue entry', async () => {
    const res = await asApplicant('POST', '/api/me/credential/submit');
    assert.equal(res.status, 200);
    assert.equal(res.body.application.status, 'submitted');
    assert.equal(res.body.application.stage, 'identity');
    assert.deepEqual(res.body.application.stages.map((s) => s.state), ['pending', 'waiting', 'pending']);
    assert.match(res.body.application.nextStep, /checking your identity/);

    const toReference = await smtp.waitFor((m) => m.to.includes(REFERENCE.email));
    assert.equal(toReference.from, 'credentials@airlock.test');
    assert.match(toReference.subject, /Rita Example/);
    assert.match(toReference.text, /My doctoral supervisor, 2019 to 2023/);
    assert.match(toReference.text, /2030-03-31/, 'the mail says until when the link works');
    referenceToken = referenceTokenOf(toReference);
    assert.ok(toReference.text.includes(`${server.url}/references/${referenceToken}`));

    const toStaff = await smtp.waitFor((m) => m.to.includes('carol@example.org'));
    assert.ok(toStaff.text.includes(`${server.url}/staff/credentials/${applicationId}`));
    assert.equal(smtp.messages.filter((m) => m.to.includes('root@example.org')).length, 0, 'admins are mailed only when no credentialing staff exist');
    assert.equal(smtp.messages.filter((m) => m.to.includes('rita@example.org')).length, 0, 'the applicant never receives the reference link');
  });

  it('puts the application in the staff queue with its stage', async () => {
    const queue = await expectJson<{ id: string; stage: string; fullName: string }[]>(await server.api('GET', '/api/credentials/queue', { token: staff }), 200);
    assert.deepEqual(queue.map((q) => [q.id, q.stage, q.fullName]), [[applicationId, 'identity', 'Rita Example']]);
  });

  it('shows the reference a page about the applicant and records their confirmation', async () => {
    const page = await fetch(`${server.url}/references/${referenceToken}`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Rita Example/);
    assert.match(html, /University of Testing/);
    clock.advance(2 * 24 * 3600 * 1000);
    const answer = await expectJson<{ response: string }>(await server.api('POST', `/api/references/${referenceToken}`, { json: { response: 'confirm', note: 'Excellent and careful researcher.' } }), 200);
    assert.equal(answer.response, 'confirm');
  });

  it('lets staff check identity, then approve, and mails the applicant the decision', async () => {
    const detail = await expectJson<{ reference: { response: string; note: string }; profileSnapshot: { orcid: string } }>(await server.api('GET', `/api/credentials/${applicationId}`, { token: staff }), 200);
    assert.equal(detail.reference.response, 'confirm');
    assert.equal(detail.reference.note, 'Excellent and careful researcher.');
    assert.equal(detail.profileSnapshot.orcid, PROFILE.orcid);
    const checked = await expectJson<{ stage: string }>(await staffStep(server, staff, applicationId, 'identity-check', { note: 'Matched the staff page of the university.' }), 200);
    assert.equal(checked.stage, 'final');
    await expectJson(await staffStep(server, staff, applicationId, 'approve', { comment: 'Welcome aboard.' }), 200);
    const mail = await smtp.waitFor((m) => m.to.includes('rita@example.org') && /approved/.test(m.subject));
    assert.match(mail.text, /Welcome aboard\./);
    assert.ok(mail.text.includes(`${server.url}/settings/credential`));
  });

  it('counts the researcher as credentialed from the approval on', async () => {
    assert.equal(await hasActiveCredential(server.runtime.deps.db, rita.id), true);
    const status = await credentialStatus(server.runtime.deps.db, rita.id);
    assert.equal(status.approvedAt?.toISOString(), '2030-03-03T09:00:00.000Z');
  });

  it('shows the applicant every step with the comments addressed to them, but not the staff-only notes', async () => {
    const mine = await asApplicant('GET', '/api/me/credential');
    assert.equal(mine.body.application.status, 'approved');
    assert.deepEqual(mine.body.application.events.map((e) => e.action), ['created', 'submitted', 'reference_requested', 'reference_confirmed', 'identity_checked', 'approved']);
    const identity = mine.body.application.events.find((e) => e.action === 'identity_checked')!;
    assert.equal(identity.comment, null, 'the identity-check note is internal');
    assert.equal(mine.body.application.events.at(-1)!.comment, 'Welcome aboard.');
    assert.ok(!JSON.stringify(mine.body).includes('Excellent and careful'), 'the reference note is for staff only');
  });

  it('revokes the credential with a reason, mails it, and the researcher is no longer credentialed', async () => {
    clock.advance(60 * 1000);
    assert.equal((await staffStep(server, staff, applicationId, 'revoke', {})).status, 400);
    await expectJson(await staffStep(server, staff, applicationId, 'revoke', { reason: 'Shared weights with an uncredentialed colleague.' }), 200);
    assert.equal(await hasActiveCredential(server.runtime.deps.db, rita.id), false);
    assert.equal((await credentialStatus(server.runtime.deps.db, rita.id)).status, 'revoked');
    const mail = await smtp.waitFor((m) => m.to.includes('rita@example.org') && /revoked/.test(m.subject));
    assert.match(mail.text, /Shared weights with an uncredentialed colleague\./);
  });

  it('keeps every message in the app for its recipient', async () => {
    const mine = await asApplicant('GET', '/api/me/notifications');
    assert.deepEqual((mine.body as unknown as { subject: string }[]).map((n) => n.subject), ['Your researcher credentials were revoked', 'Your researcher credentials are approved']);
    const carols = await expectJson<{ subject: string; link: string }[]>(await server.api('GET', '/api/me/notifications', { token: staff }), 200);
    assert.equal(carols.length, 1);
    assert.equal(carols[0]!.link, `${server.url}/staff/credentials/${applicationId}`);
  });

  it('never shows the reference token to the applicant, in the audit log, in stored notifications or in the request log', async () => {
    assert.equal(loggedPath(`/references/${referenceToken}`), '/references/[redacted]');
    assert.equal(loggedPath(`/api/references/${referenceToken}`), '/api/references/[redacted]');
    const hash = sha256Hex(referenceToken);
    for (const body of seenByApplicant) assert.ok(!body.includes(referenceToken) && !body.includes(hash));
    const audit = JSON.stringify(await server.runtime.deps.db.select().from(auditEvents));
    assert.match(audit, /credential\.reference_confirmed/);
    assert.ok(!audit.includes(referenceToken) && !audit.includes(hash));
    const stored = JSON.stringify(await server.runtime.deps.db.select().from(notifications));
    assert.match(stored, /ruth@uni\.example\.edu/, 'the reference mail is kept, without its link');
    assert.ok(!stored.includes(referenceToken));
  });
});
