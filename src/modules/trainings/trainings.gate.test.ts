import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, problem } from '../../../test/support/applications.ts';
import { expectJson, prepareApplication, REFERENCE, referenceTokenOf, staffStep, submit, waitForOutbox } from '../../../test/support/credentials.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { runCli } from '../../../test/support/run-cli.ts';
import { runLocalCommand } from '../../cli/local.ts';
import { ManualClock } from '../../lib/clock.ts';
import { RESPONSIBLE_RESEARCH } from './trainings.shipped.ts';

const SLUG = RESPONSIBLE_RESEARCH.slug;
const RIGHT = Object.fromEntries(RESPONSIBLE_RESEARCH.questions.map((q) => [q.id, q.answer]));
const DAY = 86_400_000;

type Status = { download: { allowed: boolean; code?: string; message?: string }; requirements: { id: string; met: boolean; description: string; howTo?: string; training?: { slug: string; state: string } }[] };

/** Sets up `lab/model` (reviewed) with a file, and grants `rita` access directly. */
async function grantedRepo(server: TestServer, publisher: string) {
  await createRepo(server, publisher, 'lab/model', { accessLevel: 'reviewed' });
  await uploadFiles(server, publisher, 'lab/model', { 'weights.bin': Buffer.alloc(1000, 7) });
  assert.equal((await server.api('POST', '/api/models/lab/model/user-access-request/grant', { token: publisher, json: { user: 'rita' } })).status, 200);
}

async function sweep(server: TestServer) {
  const lines: string[] = [];
  const code = await runLocalCommand(server.runtime.deps, ['admin', 'sweep'], (line) => lines.push(line));
  assert.equal(code, 0, lines.join('\n'));
  return lines.join('\n');
}

describe('a grant that requires a training holds only while the certificate is valid', () => {
  let server: TestServer;
  // 340 days ago at 08:00 UTC: when the test has moved its clock 340 days on, the real
  // `airlock admin sweep` (which, on PostgreSQL, runs in its own process on the system clock)
  // sees the same day, 25 days before the certificate ends.
  const START = new Date(Math.floor((Date.now() - 340 * DAY) / DAY) * DAY + 8 * 3_600_000);
  const clock = new ManualClock(START);
  let publisher: string;
  let rita: string;
  const download = (headers: Record<string, string> = {}) => server.api('GET', '/lab/model/resolve/main/weights.bin', { token: rita, headers });
  const status = async () => json<Status>(await server.api('GET', '/api/models/lab/model/access', { token: rita }), 200);

  before(async () => {
    server = await startTestServer({ clock });
    await server.createUser('lab');
    await server.createUser('rita');
    publisher = await server.createToken('lab');
    rita = await server.createToken('rita');
    await grantedRepo(server, publisher);
  });
  after(() => server.close());

  it('refuses a policy naming a training that does not exist, naming the field', async () => {
    await problem(await server.api('PUT', '/api/models/lab/model/access-policy', { token: publisher, json: { requiredTrainings: [SLUG, 'no-such-course'] } }), 400, 'training_not_found', 'requiredTrainings.1');
    const policy = await json<{ requiredTrainings: string[] }>(await server.api('PUT', '/api/models/lab/model/access-policy', { token: publisher, json: { requiredTrainings: [SLUG] } }), 200);
    assert.deepEqual(policy.requiredTrainings, [SLUG]);
  });

  it('refuses the download of a granted but untrained user, naming the course and where to take it', async () => {
    const res = await download();
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-error-code'), 'GatedRepo');
    const message = res.headers.get('x-error-message') ?? '';
    assert.match(message, /requires the training "Responsible research with high-risk models", and you have not completed it/);
    assert.ok(message.includes(`${server.url}/trainings/${SLUG}`), message);
    const s = await status();
    assert.equal(s.download.code, 'gated_training_required');
    const training = s.requirements.find((r) => r.id === 'training');
    assert.deepEqual([training?.met, training?.training?.state], [false, 'none']);
    assert.ok(training?.howTo?.includes(`/trainings/${SLUG}`));
  });

  it('lets the download through once the course is passed', async () => {
    await json(await server.api('POST', `/api/trainings/${SLUG}/attempts`, { token: rita, json: { answers: RIGHT } }), 201);
    assert.equal((await download()).status, 200);
    const s = await status();
    assert.equal(s.download.allowed, true);
    assert.ok(s.requirements.every((r) => r.met));
  });

  it('warns once, in the app and by mail, when the certificate is 30 days from its end', async () => {
    clock.advance(300 * DAY);
    assert.match(await sweep(server), /No training certificate is due/);
    clock.advance(40 * DAY);
    // The real command, passed to the running server through its admin socket (or straight to PostgreSQL).
    const cli = await runCli(['admin', 'sweep'], { env: { AIRLOCK_DATA: server.dataDir, DATABASE_URL: server.runtime.deps.config.databaseUrl } });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /Sent 1 expiry warning/);
    assert.match(await sweep(server), /No training certificate is due/, 'a second sweep sends nothing');
    const mail = await waitForOutbox(server.dataDir, (m) => m.to.includes('rita@example.org') && /expires on/.test(m.subject));
    assert.match(mail[0]!.text, new RegExp(`/trainings/${SLUG}`));
    const notes = await json<{ subject: string }[]>(await server.api('GET', '/api/me/notifications', { token: rita }), 200);
    assert.equal(notes.filter((n) => /expires on/.test(n.subject)).length, 1);
    assert.equal((await download()).status, 200, 'still valid until the end');
  });

  it('stops the next download, a resumed range included, the moment the certificate expires', async () => {
    assert.equal((await download({ Range: 'bytes=0-99' })).status, 206);
    clock.advance(26 * DAY);
    const resumed = await download({ Range: 'bytes=100-' });
    assert.equal(resumed.status, 403);
    assert.match(resumed.headers.get('x-error-message') ?? '', new RegExp(`"Responsible research with high-risk models", and your certificate for it expired on ${new Date(START.getTime() + 365 * DAY).toISOString().slice(0, 10)}`));
    const s = await status();
    assert.equal(s.download.code, 'gated_training_required');
    assert.equal(s.requirements.find((r) => r.id === 'training')?.training?.state, 'expired');
    const page = await (await server.api('GET', '/lab/model', { token: rita })).text();
    assert.match(page, /requires the training &quot;Responsible research with high-risk models&quot;, and your certificate for it expired on/);
    assert.ok(page.includes(`href="/trainings/${SLUG}"`), 'the repository page links to the course, not to credentials');
  });

  it('opens again when the course is retaken, with nothing left to warn about', async () => {
    await json(await server.api('POST', `/api/trainings/${SLUG}/attempts`, { token: rita, json: { answers: RIGHT } }), 201);
    assert.equal((await download({ Range: 'bytes=100-' })).status, 206);
    assert.match(await sweep(server), /No training certificate is due/);
  });

  it('refuses a new application from someone without the training, naming it', async () => {
    await server.createUser('tom');
    const tom = await server.createToken('tom');
    const refused = await problem(await server.api('POST', '/api/models/lab/model/access-requests', { token: tom, json: { purpose: 'x'.repeat(50), fields: {} } }), 403, 'training_required');
    assert.match(refused.error, /Responsible research with high-risk models/);
  });
  it('does not warn someone who renewed before the warning was due', async () => {
    await server.createUser('vic');
    const vic = await server.createToken('vic');
    await json(await server.api('POST', `/api/trainings/${SLUG}/attempts`, { token: vic, json: { answers: RIGHT } }), 201);
    clock.advance(300 * DAY);
    await json(await server.api('POST', `/api/trainings/${SLUG}/attempts`, { token: vic, json: { answers: RIGHT } }), 201);
    clock.advance(40 * DAY);
    await sweep(server);
    const notes = await json<{ subject: string }[]>(await server.api('GET', '/api/me/notifications', { token: vic }), 200);
    assert.deepEqual(notes, [], 'the older certificate is due, but a newer one covers it');
  });

  it('accepts the application of someone trained, and shows the reviewers the applicant\'s trainings', async () => {
    await server.createUser('una');
    const una = await server.createToken('una');
    await json(await server.api('POST', `/api/trainings/${SLUG}/attempts`, { token: una, json: { answers: RIGHT } }), 201);
    const application = await json<{ id: string; status: string }>(await server.api('POST', '/api/models/lab/model/access-requests', { token: una, json: { purpose: 'x'.repeat(50), fields: {} } }), 201);
    assert.equal(application.status, 'submitted');
    const review = await json<{ applicant: { trainings: { slug: string; state: string; required: boolean; expiresAt: string }[] } }>(await server.api('GET', `/api/access-requests/${application.id}`, { token: publisher }), 200);
    assert.deepEqual(review.applicant.trainings.map((t) => [t.slug, t.state, t.required]), [[SLUG, 'valid', true]]);
  });
});

describe('a grant that requires credentials stops at the next request after a revocation', () => {
  let server: TestServer;
  let publisher: string;
  let rita: string;
  let staff: string;
  let applicationId: string;
  const download = () => server.api('GET', '/lab/model/resolve/main/weights.bin', { token: rita });

  before(async () => {
    server = await startTestServer();
    await server.createUser('lab');
    await server.createUser('rita');
    await server.createUser('carol', { platformRoles: ['credentialing'] });
    publisher = await server.createToken('lab');
    rita = await server.createToken('rita');
    staff = await server.createToken('carol');
    await grantedRepo(server, publisher);
    await json(await server.api('PUT', '/api/models/lab/model/access-policy', { token: publisher, json: { requiresCredential: true } }), 200);
  });
  after(() => server.close());

  it('refuses a granted user without credentials, saying where to apply', async () => {
    const res = await download();
    assert.equal(res.status, 403);
    assert.match(res.headers.get('x-error-message') ?? '', /requires credentialed researcher status, and you do not hold it\. Apply at .*\/settings\/credential/);
    const s = await json<Status>(await server.api('GET', '/api/models/lab/model/access', { token: rita }), 200);
    assert.deepEqual(s.requirements.filter((r) => r.id === 'credential').map((r) => r.met), [false]);
  });

  it('lets the download through once the credential is approved', async () => {
    applicationId = (await prepareApplication(server, rita)).id;
    await expectJson(await submit(server, rita), 200);
    const [mail] = await waitForOutbox(server.dataDir, (m) => m.to.includes(REFERENCE.email));
    await expectJson(await server.api('POST', `/api/references/${referenceTokenOf(mail!)}`, { json: { response: 'confirm' } }), 200);
    await expectJson(await staffStep(server, staff, applicationId, 'identity-check', {}), 200);
    await expectJson(await staffStep(server, staff, applicationId, 'approve', {}), 200);
    assert.equal((await download()).status, 200);
  });

  it('refuses the very next download after the credential is revoked, naming the reason', async () => {
    await expectJson(await staffStep(server, staff, applicationId, 'revoke', { reason: 'Shared the weights.' }), 200);
    const res = await download();
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-error-code'), 'GatedRepo');
    assert.match(res.headers.get('x-error-message') ?? '', /credentialed researcher status, and your researcher credentials were revoked on \d{4}-\d{2}-\d{2}\. Apply at/);
    assert.match(await (await server.api('GET', '/lab/model', { token: rita })).text(), /held until it was revoked on/);
    const s = await json<Status>(await server.api('GET', '/api/models/lab/model/access', { token: rita }), 200);
    assert.equal(s.download.code, 'gated_credential_required');
  });
});
