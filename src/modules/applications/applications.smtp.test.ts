import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runLocalCommand } from '../../cli/local.ts';
import { ManualClock } from '../../lib/clock.ts';
import { applicationApi, json, STATEMENT, type Application } from '../../../test/support/applications.ts';
import { startSmtpSink, type SmtpSink } from '../../../test/support/smtp-sink.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { RESPONSIBLE_RESEARCH } from '../trainings/trainings.shipped.ts';

const DAY = 86_400_000;
const REPO = 'pub/clinical-lm';
const RIGHT = Object.fromEntries(RESPONSIBLE_RESEARCH.questions.map((q) => [q.id, q.answer]));

/**
 * The access notifications as a real SMTP server on loopback receives them: reviewers for a new
 * (and a resubmitted) application, applicants for a return, an approval, a rejection, a grant's
 * coming end, a revocation and a certificate's coming end. Each is also in the recipient's app.
 */
describe('access notifications through a real SMTP server', () => {
  const clock = new ManualClock(new Date('2030-06-01T09:00:00Z'));
  let server: TestServer;
  let smtp: SmtpSink;
  let api: ReturnType<typeof applicationApi>;
  const t: Record<string, string> = {};
  let rita: Application;

  /** The mail to `user` whose subject matches, as received by the SMTP server, and the same notice in their app. */
  async function received(user: string, subject: RegExp) {
    const mail = await smtp.waitFor((m) => m.to.includes(`${user}@example.org`) && subject.test(m.subject));
    assert.ok((await api.notifications(t[user]!)).some((n) => n.subject === mail.subject), `"${mail.subject}" is also in ${user}'s app`);
    return mail;
  }
  const sweep = () => runLocalCommand(server.runtime.deps, ['admin', 'sweep'], () => {});

  before(async () => {
    smtp = await startSmtpSink();
    server = await startTestServer({ clock, config: { smtpUrl: smtp.url, mailFrom: 'access@airlock.test' } });
    for (const name of ['pub', 'rev1', 'rita', 'ria']) t[name] = await server.createToken((await server.createUser(name)).username);
    await createRepo(server, t.pub!, REPO, { accessLevel: 'reviewed' });
    await uploadFiles(server, t.pub!, REPO, { 'weights.bin': 'weights' });
    api = applicationApi(server, REPO);
    await json(await api.setPolicy(t.pub!, { grantDurationDays: 30, decisionRule: { kind: 'committee', required: 1, veto: false } }), 200);
    await json(await api.addReviewer(t.pub!, 'rev1'), 201);
  });
  after(async () => {
    await server.close();
    await smtp.close();
  });

  it('mails the reviewer a new application, and the applicant a return with its comment', async () => {
    rita = await json(await api.apply(t.rita!, { purpose: STATEMENT }), 201);
    const submitted = await received('rev1', /^Access application submitted for pub\/clinical-lm/);
    assert.equal(submitted.from, 'access@airlock.test');
    assert.match(submitted.text, new RegExp(`/review/${rita.id}`));
    await json(await api.vote(t.rev1!, rita.id, 'return', 'Name your ethics approval.'), 201);
    assert.match((await received('rita', /needs changes/)).text, /Name your ethics approval\./);
  });

  it('mails the reviewer a resubmission, and the applicant the approval', async () => {
    await json(await api.edit(t.rita!, rita.id, { purpose: `${STATEMENT} Ethics approval: IRB-2030-17.` }), 200);
    await json(await api.submit(t.rita!, rita.id), 200);
    await received('rev1', /^Access application resubmitted for pub\/clinical-lm/);
    await json(await api.vote(t.rev1!, rita.id, 'approve'), 201);
    assert.match((await received('rita', /^Your access to pub\/clinical-lm is approved$/)).text, /\/settings\/access/);
  });

  it('mails the applicant a rejection with its reason', async () => {
    const ria = await json<Application>(await api.apply(t.ria!, { purpose: STATEMENT }), 201);
    await json(await api.vote(t.rev1!, ria.id, 'reject', 'The stated use is commercial.'), 201);
    assert.match((await received('ria', /was rejected/)).text, /The stated use is commercial\./);
  });

  it('mails the holder before the grant ends, then the revocation with its reason', async () => {
    clock.advance(17 * DAY);
    assert.equal(await sweep(), 0);
    await received('rita', /^Your access to pub\/clinical-lm ends on \d{4}-\d{2}-\d{2}$/);
    await json(await server.api('POST', `/api/models/${REPO}/grants/revoke`, { token: t.pub!, json: { user: 'rita', reason: 'shared the weights on a forum' } }), 200);
    assert.match((await received('rita', /^Your access to pub\/clinical-lm was revoked$/)).text, /shared the weights on a forum/);
  });

  it('mails the holder before a training certificate ends', async () => {
    await json(await server.api('POST', `/api/trainings/${RESPONSIBLE_RESEARCH.slug}/attempts`, { token: t.ria!, json: { answers: RIGHT } }), 201);
    clock.advance(340 * DAY);
    assert.equal(await sweep(), 0);
    assert.match((await received('ria', /^Your training "Responsible research with high-risk models" expires on/)).text, new RegExp(`/trainings/${RESPONSIBLE_RESEARCH.slug}`));
  });
});
