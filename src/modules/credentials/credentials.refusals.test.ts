import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { ManualClock } from '../../lib/clock.ts';
import { notifications } from '../notifications/notifications.tables.ts';
import { expectJson, prepareApplication, readOutbox, REFERENCE, referenceTokenOf, staffStep, submit, waitForOutbox } from '../../../test/support/credentials.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';

const DAY = 24 * 3600 * 1000;

interface Review { status: string; events: { action: string }[]; earlierApplications: { status: string }[] }
interface Mine { application: { id: string; status: string; decisionComment: string | null; referenceRequest: { state: string } | null; events: { action: string; comment: string | null }[] } }

describe('credential transitions that must be refused, by role (mail written to the outbox, no SMTP server)', () => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2030-05-01T08:00:00Z'));
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  const me = async (user: string) => expectJson<Mine>(await server.api('GET', '/api/me/credential', { token: tokens[user] }), 200);
  const review = async (user: string) => expectJson<Review>(await server.api('GET', `/api/credentials/${ids[user]}`, { token: tokens.carol }), 200);
  const referenceMails = (email: string) => readOutbox(server.dataDir).then((all) => all.filter((m) => m.to.includes(email)));
  const latestToken = async (email: string, count = 1) => referenceTokenOf((await waitForOutbox(server.dataDir, (m) => m.to.includes(email), count)).at(-1)!);
  const applyAndSubmit = async (user: string, referenceEmail: string) => {
    ids[user] = (await prepareApplication(server, tokens[user]!, { reference: { email: referenceEmail } })).id;
    await expectJson(await submit(server, tokens[user]!), 200);
  };

  before(async () => {
    server = await startTestServer({ clock });
    for (const name of ['rita', 'ann', 'bob']) await server.createUser(name);
    for (const name of ['carol', 'sam']) await server.createUser(name, { platformRoles: ['credentialing'] });
    await server.createUser('root', { platformRoles: ['admin'] });
    for (const name of ['rita', 'ann', 'bob', 'carol', 'sam', 'root']) tokens[name] = await server.createToken(name);
    tokens.carolRead = await server.createToken('carol', 'read');
    await applyAndSubmit('rita', 'ruth@uni.example.edu');
  });
  after(() => server.close());

  it('refuses anonymous callers with 401', async () => {
    assert.equal((await server.api('GET', '/api/me/credential')).status, 401);
    assert.equal((await server.api('POST', '/api/me/credential/submit')).status, 401);
    assert.equal((await staffStep(server, '', ids.rita!, 'approve')).status, 401);
  });

  it('refuses an applicant who tries to review, approve or reject their own application', async () => {
    assert.equal((await server.api('GET', '/api/credentials/queue', { token: tokens.rita })).status, 403);
    assert.equal((await server.api('GET', `/api/credentials/${ids.rita}`, { token: tokens.rita })).status, 403);
    for (const [step, body] of [['identity-check', {}], ['approve', {}], ['reject', { reason: 'no' }], ['return', { comment: 'no' }]] as const) {
      const res = await staffStep(server, tokens.rita!, ids.rita!, step, body);
      assert.equal(res.status, 403, step);
    }
    assert.equal((await review('rita')).status, 'submitted');
  });

  it('refuses staff deciding their own application, and a read-only staff token', async () => {
    await applyAndSubmit('sam', 'sams-boss@uni.example.edu');
    assert.equal((await staffStep(server, tokens.sam!, ids.sam!, 'identity-check')).status, 403);
    assert.equal((await server.api('GET', `/api/credentials/${ids.sam}`, { token: tokens.sam })).status, 403, 'nor read the staff-only side of it');
    const readOnly = await staffStep(server, tokens.carolRead!, ids.sam!, 'identity-check');
    assert.equal(readOnly.status, 403);
    assert.equal(((await readOnly.json()) as { code: string }).code, 'insufficient_scope');
    assert.equal((await server.api('GET', '/api/credentials/queue', { token: tokens.carolRead })).status, 200, 'reading the queue needs no write token');
  });

  it('refuses edits and a second submission while the application is submitted, changing nothing', async () => {
    const edit = await server.api('PUT', '/api/me/credential', { token: tokens.rita, json: { researchSummary: 'changed', reference: REFERENCE } });
    assert.equal(edit.status, 409);
    assert.equal(((await edit.json()) as { code: string }).code, 'credential_transition_refused');
    assert.equal((await submit(server, tokens.rita!)).status, 409);
    const events = (await me('rita')).application.events.map((e) => e.action);
    assert.deepEqual(events, ['created', 'submitted', 'reference_requested']);
  });

  it('refuses approval before the identity check, then before the reference confirms', async () => {
    const early = await staffStep(server, tokens.carol!, ids.rita!, 'approve');
    assert.equal(early.status, 409);
    assert.equal(((await early.json()) as { code: string }).code, 'identity_not_checked');
    await expectJson(await staffStep(server, tokens.carol!, ids.rita!, 'identity-check'), 200);
    const noReference = await staffStep(server, tokens.carol!, ids.rita!, 'approve');
    assert.equal(noReference.status, 409);
    assert.equal(((await noReference.json()) as { code: string }).code, 'reference_not_confirmed');
  });

  it('refuses a return without a comment and a rejection without a reason, naming the field', async () => {
    for (const [step, body, field] of [['return', {}, 'comment'], ['return', { comment: '   ' }, 'comment'], ['reject', { reason: '' }, 'reason'], ['revoke', {}, 'reason']] as const) {
      const res = await staffStep(server, tokens.carol!, ids.rita!, step, body);
      assert.equal(res.status, 400, `${step} ${JSON.stringify(body)}`);
      assert.equal(((await res.json()) as { field: string }).field, field);
    }
    assert.equal((await review('rita')).status, 'submitted');
  });

  it('refuses revoking a credential that was never approved', async () => {
    assert.equal((await staffStep(server, tokens.carol!, ids.rita!, 'revoke', { reason: 'because' })).status, 409);
  });

  it('returns an application with a comment the applicant sees, and a resubmission does not mail a waiting reference again', async () => {
    await expectJson(await staffStep(server, tokens.carol!, ids.rita!, 'return', { comment: 'Say which models you need.' }), 200);
    const returned = await me('rita');
    assert.equal(returned.application.status, 'returned');
    assert.equal(returned.application.events.at(-1)!.comment, 'Say which models you need.');
    await prepareApplication(server, tokens.rita!, { reference: { email: 'ruth@uni.example.edu' } });
    await expectJson(await submit(server, tokens.rita!), 200);
    assert.equal((await referenceMails('ruth@uni.example.edu')).length, 1);
  });

  it('records a reference answer once, and a used link gets a 409 and a page that says so', async () => {
    const token = await latestToken('ruth@uni.example.edu');
    await expectJson(await server.api('POST', `/api/references/${token}`, { json: { response: 'confirm' } }), 200);
    const again = await server.api('POST', `/api/references/${token}`, { json: { response: 'decline' } });
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { code: string }).code, 'reference_already_answered');
    const page = await fetch(`${server.url}/references/${token}`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 409);
    assert.match(await page.text(), /already been used/);
    assert.equal((await me('rita')).application.referenceRequest!.state, 'confirmed');
  });

  it('refuses an unknown or malformed reference link with 404', async () => {
    assert.equal((await server.api('POST', `/api/references/${'A'.repeat(43)}`, { json: { response: 'confirm' } })).status, 404);
    assert.equal((await server.api('GET', '/api/references/short')).status, 404);
  });

  it('lets exactly one of a concurrent approval and rejection take effect', async () => {
    const [approve, reject] = await Promise.all([
      staffStep(server, tokens.carol!, ids.rita!, 'approve'),
      staffStep(server, tokens.root!, ids.rita!, 'reject', { reason: 'Not enough detail.' }),
    ]);
    assert.deepEqual([approve.status, reject.status].sort(), [200, 409]);
    const after = await review('rita');
    assert.equal(after.status, approve.status === 200 ? 'approved' : 'rejected');
    assert.equal(after.events.filter((e) => e.action === 'approved' || e.action === 'rejected').length, 1);
  });

  it('expires a reference link after 30 days with a 410, shows the applicant the expiry, and a resubmission sends a new link', async () => {
    await applyAndSubmit('ann', 'anns-ref@uni.example.edu');
    const first = await latestToken('anns-ref@uni.example.edu');
    clock.advance(30 * DAY + 1000);
    assert.equal((await server.api('GET', `/api/references/${first}`)).status, 410);
    const late = await server.api('POST', `/api/references/${first}`, { json: { response: 'confirm' } });
    assert.equal(late.status, 410);
    assert.equal(((await late.json()) as { code: string }).code, 'reference_link_expired');
    assert.equal((await me('ann')).application.referenceRequest!.state, 'expired');

    await expectJson(await staffStep(server, tokens.carol!, ids.ann!, 'return', { comment: 'Your reference did not answer; ask them again.' }), 200);
    await expectJson(await submit(server, tokens.ann!), 200);
    const second = await latestToken('anns-ref@uni.example.edu', 2);
    assert.notEqual(second, first);
    assert.equal(((await (await server.api('POST', `/api/references/${first}`, { json: { response: 'confirm' } })).json()) as { code: string }).code, 'reference_link_replaced');
    await expectJson(await server.api('POST', `/api/references/${second}`, { json: { response: 'decline', note: 'I do not know this person.' } }), 200);
    assert.equal((await me('ann')).application.referenceRequest!.state, 'declined');
  });

  it('shows a rejected applicant the reason and lets them start a new application, which staff see with the earlier one', async () => {
    await applyAndSubmit('bob', 'bobs-ref@uni.example.edu');
    await expectJson(await staffStep(server, tokens.carol!, ids.bob!, 'reject', { reason: 'The research summary describes redistribution.' }), 200);
    assert.equal((await me('bob')).application.decisionComment, 'The research summary describes redistribution.');
    assert.equal((await staffStep(server, tokens.carol!, ids.bob!, 'approve')).status, 409, 'a decided application stays decided');
    const fresh = await prepareApplication(server, tokens.bob!, { reference: { email: 'bobs-ref@uni.example.edu' } });
    assert.notEqual(fresh.id, ids.bob);
    ids.bob = fresh.id;
    await expectJson(await submit(server, tokens.bob!), 200);
    assert.deepEqual((await review('bob')).earlierApplications.map((a) => a.status), ['rejected']);
  });

  it('writes each mail to the outbox, readable by the server user only', async () => {
    const outbox = await readOutbox(server.dataDir);
    assert.ok(outbox.length >= 5);
    for (const mail of outbox) assert.equal(mail.mode, 0o600, mail.file);
  });
});

describe('a mail server that refuses the message', () => {
  let server: TestServer;
  before(async () => {
    // Nothing listens on port 1: every send fails to connect.
    server = await startTestServer({ config: { smtpUrl: 'smtp://127.0.0.1:1' } });
    await server.createUser('rita');
    await server.createUser('carol', { platformRoles: ['credentialing'] });
  });
  after(() => server.close());

  it('does not undo the submission, and records the failed delivery on the notification', async () => {
    const token = await server.createToken('rita');
    await prepareApplication(server, token);
    const submitted = await expectJson<Mine>(await submit(server, token), 200);
    assert.equal(submitted.application.status, 'submitted');
    const db = server.runtime.deps.db;
    const deadline = Date.now() + 10_000;
    let rows = await db.select().from(notifications).where(eq(notifications.recipient, 'carol@example.org'));
    while (!rows[0]?.deliveryError && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      rows = await db.select().from(notifications).where(eq(notifications.recipient, 'carol@example.org'));
    }
    assert.ok(rows[0]?.deliveryError, 'the failure is recorded');
    assert.equal(rows[0]!.deliveredAt, null);
    assert.equal((await expectJson<Mine>(await server.api('GET', '/api/me/credential', { token }), 200)).application.status, 'submitted');
  });
});
