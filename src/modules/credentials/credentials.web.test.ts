import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PROFILE, REFERENCE, referenceTokenOf, SUMMARY, waitForOutbox } from '../../../test/support/credentials.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, postForm, signIn } from '../../../test/support/web-client.ts';

/** The profile as the form posts it: every field a string. */
const PROFILE_FORM = Object.fromEntries(Object.entries(PROFILE).map(([k, v]) => [k, v ?? '']));
const APPLICATION_FORM = { researchSummary: SUMMARY, 'reference.name': REFERENCE.name, 'reference.email': REFERENCE.email, 'reference.relationship': REFERENCE.relationship };

describe('credential pages in the browser, without scripts', () => {
  let server: TestServer;
  let rita: string;
  let carol: string;
  let applicationId: string;

  const html = async (res: Response, status: number) => {
    const text = await res.text();
    assert.equal(res.status, status, text.slice(0, 2000));
    assert.doesNotMatch(text, /<script|style=/, 'no inline scripts or styles (CSP)');
    return text;
  };

  before(async () => {
    server = await startTestServer();
    const r = await server.createUser('rita');
    const c = await server.createUser('carol', { platformRoles: ['credentialing'] });
    rita = await signIn(server, 'rita', r.password);
    carol = await signIn(server, 'carol', c.password);
  });
  after(() => server.close());

  it('sends an anonymous visitor to sign in first', async () => {
    for (const path of ['/settings/profile', '/settings/credential', '/staff/credentials']) {
      const res = await getPage(server, path);
      assert.equal(res.status, 303, path);
      assert.equal(res.headers.get('location'), `/login?next=${encodeURIComponent(path)}`);
    }
  });

  it('shows a profile error beside its field, then saves the profile', async () => {
    const bad = await html(await postForm(server, '/settings/profile', { ...PROFILE_FORM, orcid: '0000-0002-1825-0098' }, { cookie: rita }), 400);
    assert.match(bad, /<label class="field invalid"><span>ORCID iD<\/span>/);
    assert.match(bad, /does not match/);
    assert.match(bad, /value="University of Testing"/, 'what was typed is kept');
    const saved = await postForm(server, '/settings/profile', PROFILE_FORM, { cookie: rita });
    assert.equal(saved.status, 303);
    const page = await html(await getPage(server, saved.headers.get('location')!, { cookie: rita }), 200);
    assert.match(page, /Profile saved\./);
    assert.match(page, /<option value="DE" selected="">Germany<\/option>/);
  });

  it('keeps a draft that is too short to submit and says so beside the summary', async () => {
    const res = await html(await postForm(server, '/settings/credential', { ...APPLICATION_FORM, researchSummary: 'Too short.', intent: 'submit' }, { cookie: rita }), 400);
    assert.match(res, /<label class="field invalid"><span>Research summary<\/span>/);
    assert.match(res, /at least 200 characters/);
    assert.match(res, /Status: <span class="badge status-draft">draft<\/span>/);
  });

  it('submits the application and shows each review stage', async () => {
    const res = await postForm(server, '/settings/credential', { ...APPLICATION_FORM, intent: 'submit' }, { cookie: rita });
    assert.equal(res.status, 303);
    const page = await html(await getPage(server, res.headers.get('location')!, { cookie: rita }), 200);
    assert.match(page, /Submitted\. Your reference has been mailed/);
    assert.match(page, /<li class="stage pending current" aria-current="step"><strong>Identity check<\/strong>/);
    assert.match(page, /<strong>Reference<\/strong> <span class="state">waiting for the reference<\/span>/);
    assert.doesNotMatch(page, /Submit for review/, 'a submitted application has no form');
  });

  it('lets the reference answer through the mailed link once, with an error beside a missing answer', async () => {
    const token = referenceTokenOf((await waitForOutbox(server.dataDir, (m) => m.to.includes(REFERENCE.email)))[0]!);
    const page = await getPage(server, `/references/${token}`);
    const form = await html(page, 200);
    assert.equal(page.headers.get('referrer-policy'), 'same-origin', 'the link is never sent to another site');
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.match(form, /Can you vouch for Rita Example\?/);
    await html(await postForm(server, `/references/${token}`, { note: 'hm' }), 400);
    assert.match(await html(await postForm(server, `/references/${token}`, { response: 'confirm', note: 'Knows her work well.' }), 200), /is recorded/);
    assert.match(await html(await getPage(server, `/references/${token}`), 409), /already been used/);
  });

  it('shows staff the queue and the application with its decision buttons', async () => {
    const queue = await html(await getPage(server, '/staff/credentials', { cookie: carol }), 200);
    const link = /href="\/staff\/credentials\/([0-9a-f-]{36})"/.exec(queue);
    assert.ok(link);
    applicationId = link[1]!;
    const review = await html(await getPage(server, `/staff/credentials/${applicationId}`, { cookie: carol }), 200);
    for (const text of ['Mark identity checked', 'Approval opens once the identity is checked', 'Return for changes', 'Reject', 'Knows her work well.', 'University of Testing']) assert.ok(review.includes(text), text);
    assert.ok(!review.includes('>Approve</button>'), 'no approve button before the identity check');
  });

  it('refuses the queue to a researcher and a rejection without a reason, beside the field', async () => {
    assert.equal((await getPage(server, '/staff/credentials', { cookie: rita })).status, 403);
    assert.equal((await getPage(server, `/staff/credentials/${applicationId}`, { cookie: rita })).status, 403);
    const noReason = await html(await postForm(server, `/staff/credentials/${applicationId}/reject`, { reason: '' }, { cookie: carol }), 400);
    assert.match(noReason, /<label class="field invalid"><span>Reason \(shown to the applicant\)<\/span>/);
  });

  it('refuses a decision posted from another site', async () => {
    const res = await postForm(server, `/staff/credentials/${applicationId}/approve`, {}, { cookie: carol, origin: 'https://evil.example' });
    assert.equal(res.status, 403);
  });

  it('records the identity check and the approval, and the researcher sees they are approved', async () => {
    for (const step of ['identity-check', 'approve']) {
      const res = await postForm(server, `/staff/credentials/${applicationId}/${step}`, step === 'approve' ? { comment: 'Welcome.' } : {}, { cookie: carol });
      assert.equal(res.status, 303, step);
      assert.equal(res.headers.get('location'), `/staff/credentials/${applicationId}?done=${step}`);
    }
    const review = await html(await getPage(server, `/staff/credentials/${applicationId}?done=approve`, { cookie: carol }), 200);
    assert.match(review, /Recorded: approve\./);
    assert.match(review, /Revoke credential/);
    const mine = await html(await getPage(server, '/settings/credential', { cookie: rita }), 200);
    assert.match(mine, /Approved: you are a credentialed researcher\./);
  });

  it('reserves the staff and references paths as user names', async () => {
    await assert.rejects(server.createUser('staff'), /reserved/);
    await assert.rejects(server.createUser('References'), /reserved/);
  });
});
