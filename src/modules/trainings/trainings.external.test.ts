import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, problem } from '../../../test/support/applications.ts';
import { waitForOutbox } from '../../../test/support/credentials.ts';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { ManualClock } from '../../lib/clock.ts';
import { MAX_CERTIFICATE_BYTES } from './trainings.models.ts';
import { RESPONSIBLE_RESEARCH } from './trainings.shipped.ts';

const CITI = {
  slug: 'citi-human-subjects', title: 'CITI: Human subjects research', summary: 'The CITI Program course on research with human subjects.', validityDays: 1095,
  externalAccepted: true, externalInstructions: 'the CITI "Completion Report" PDF of the "Data or Specimens Only Research" course, showing your name and the completion date.',
};
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

type Upload = { id: string; status: string; comment: string | null; completedOn: string; training: { slug: string }; user: { username: string } };

describe('external certificates, uploaded by researchers and checked by credentialing staff', () => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2031-02-01T12:00:00Z'));
  let rita: string;
  let carol: string;
  let other: string;
  let firstId: string;

  const upload = (token: string, parts: { file?: Buffer; name?: string; completedOn?: string }, slug = CITI.slug) => {
    const form = new FormData();
    if (parts.file) form.set('file', new Blob([parts.file], { type: 'application/pdf' }), parts.name ?? 'citi.pdf');
    if (parts.completedOn !== undefined) form.set('completedOn', parts.completedOn);
    return server.api('POST', `/api/trainings/${slug}/certificates`, { token, body: form });
  };

  before(async () => {
    server = await startTestServer({ clock });
    await server.createUser('rita');
    await server.createUser('olga');
    await server.createUser('carol', { platformRoles: ['credentialing'] });
    await server.createUser('root', { platformRoles: ['admin'] });
    rita = await server.createToken('rita');
    other = await server.createToken('olga');
    carol = await server.createToken('carol');
    const root = await server.createToken('root');
    await json(await server.api('POST', '/api/trainings', { token: root, json: CITI }), 201);
    await createRepo(server, root, 'root/cohort', { accessLevel: 'reviewed' });
    await json(await server.api('PUT', '/api/models/root/cohort/access-policy', { token: root, json: { requiredTrainings: [CITI.slug] } }), 200);
  });
  after(() => server.close());

  it('says which document is expected, on the training itself', async () => {
    const training = await json<{ externalCertificates: { accepted: boolean; expected: string } }>(await server.api('GET', `/api/trainings/${CITI.slug}`), 200);
    assert.deepEqual(training.externalCertificates, { accepted: true, expected: CITI.externalInstructions });
  });

  it('refuses a file that is not a PDF, naming the field and the document expected', async () => {
    const refused = await problem(await upload(rita, { file: Buffer.from('<html>my certificate</html>'), name: 'certificate.pdf', completedOn: '2031-01-15' }), 400, 'certificate_not_pdf', 'file');
    assert.match(refused.error, /is not a PDF/);
    assert.match(refused.error, /Completion Report/);
  });

  it('refuses a file over the size limit with 413 naming the field', async () => {
    const big = Buffer.concat([PDF, Buffer.alloc(MAX_CERTIFICATE_BYTES, 0x20)]);
    const refused = await problem(await upload(rita, { file: big, completedOn: '2031-01-15' }), 413, 'certificate_too_large', 'file');
    assert.match(refused.error, /larger than 5 MB/);
  });

  it('refuses a missing file, a missing or future completion date, and an already expired certificate', async () => {
    await problem(await upload(rita, { completedOn: '2031-01-15' }), 400, 'certificate_missing', 'file');
    await problem(await upload(rita, { file: PDF }), 400, 'invalid_input', 'completedOn');
    await problem(await upload(rita, { file: PDF, completedOn: '2031-02-30' }), 400, 'invalid_input', 'completedOn');
    await problem(await upload(rita, { file: PDF, completedOn: '2031-03-01' }), 400, 'invalid_input', 'completedOn');
    await problem(await upload(rita, { file: PDF, completedOn: '2027-01-01' }), 400, 'certificate_expired', 'completedOn');
    await problem(await server.api('POST', `/api/trainings/${CITI.slug}/certificates`, { token: rita, json: { file: 'x' } }), 415, 'invalid_input', 'file');
    await problem(await upload(rita, { file: PDF, completedOn: '2031-01-15' }, RESPONSIBLE_RESEARCH.slug), 400, 'external_not_accepted', 'training');
    const mine = await json<{ uploads: Upload[] }>(await server.api('GET', '/api/me/trainings', { token: rita }), 200);
    assert.equal(mine.uploads.length, 0, 'no refused upload was kept');
  });

  it('queues a PDF for staff, who are told by mail', async () => {
    const saved = await json<Upload>(await upload(rita, { file: PDF, completedOn: '2031-01-15' }), 201);
    assert.equal(saved.status, 'pending');
    firstId = saved.id;
    const queue = await json<Upload[]>(await server.api('GET', '/api/certificate-checks', { token: carol }), 200);
    assert.deepEqual(queue.map((u) => [u.id, u.user.username]), [[firstId, 'rita']]);
    await waitForOutbox(server.dataDir, (m) => m.to.includes('carol@example.org') && /Certificate to check/.test(m.subject));
    await problem(await server.api('GET', '/api/certificate-checks', { token: rita }), 403, 'forbidden');
  });

  it('lets the owner and staff fetch the PDF as an attachment, and nobody else', async () => {
    for (const token of [rita, carol]) {
      const res = await server.api('GET', `/api/certificate-checks/${firstId}/file`, { token });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/pdf');
      assert.match(res.headers.get('content-disposition') ?? '', /^attachment/);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), PDF);
    }
    await problem(await server.api('GET', `/api/certificate-checks/${firstId}/file`, { token: other }), 403, 'forbidden');
  });

  it('rejects with a reason the user sees, in the app and by mail; a reason is required', async () => {
    await problem(await server.api('POST', `/api/certificate-checks/${firstId}/reject`, { token: carol, json: {} }), 400, 'invalid_input', 'reason');
    await problem(await server.api('POST', `/api/certificate-checks/${firstId}/reject`, { token: rita, json: { reason: 'my own' } }), 403, 'forbidden');
    const rejected = await json<Upload>(await server.api('POST', `/api/certificate-checks/${firstId}/reject`, { token: carol, json: { reason: 'This is the course transcript; upload the Completion Report instead.' } }), 200);
    assert.equal(rejected.status, 'rejected');
    const mine = await json<{ uploads: Upload[]; trainings: { slug: string; state: string }[] }>(await server.api('GET', '/api/me/trainings', { token: rita }), 200);
    assert.deepEqual(mine.uploads.map((u) => [u.status, u.comment]), [['rejected', 'This is the course transcript; upload the Completion Report instead.']]);
    assert.equal(mine.trainings.find((t) => t.slug === CITI.slug)?.state, 'none');
    const mail = await waitForOutbox(server.dataDir, (m) => m.to.includes('rita@example.org') && /not accepted/.test(m.subject));
    assert.match(mail[0]!.text, /upload the Completion Report instead/);
    await problem(await server.api('POST', `/api/certificate-checks/${firstId}/accept`, { token: carol, json: {} }), 409, 'upload_already_decided');
  });

  it('accepts a new upload, issuing a certificate valid from the completion date printed on it', async () => {
    clock.advance(60_000);
    const second = await json<Upload>(await upload(rita, { file: PDF, completedOn: '2031-01-20' }), 201);
    const requirement = async () => (await json<{ requirements: { id: string; met: boolean; howTo: string; training?: { uploadPending: boolean } }[] }>(await server.api('GET', '/api/models/root/cohort/access', { token: rita }), 200)).requirements.find((r) => r.id === 'training');
    const waiting = await requirement();
    assert.deepEqual([waiting?.met, waiting?.training?.uploadPending], [false, true]);
    assert.match(waiting?.howTo ?? '', /waiting for credentialing staff/);
    const accepted = await json<Upload>(await server.api('POST', `/api/certificate-checks/${second.id}/accept`, { token: carol }), 200);
    assert.equal((await requirement())?.met, true);
    assert.equal(accepted.status, 'accepted');
    const mine = await json<{ trainings: { slug: string; state: string; expiresAt: string }[] }>(await server.api('GET', '/api/me/trainings', { token: rita }), 200);
    const citi = mine.trainings.find((t) => t.slug === CITI.slug);
    assert.equal(citi?.state, 'valid');
    assert.equal(citi?.expiresAt, new Date(Date.parse('2031-01-20T00:00:00Z') + 1095 * 86_400_000).toISOString());
    const notes = await json<{ subject: string }[]>(await server.api('GET', '/api/me/notifications', { token: rita }), 200);
    assert.deepEqual(notes.map((n) => n.subject), ['Certificate accepted: CITI: Human subjects research', 'Certificate not accepted: CITI: Human subjects research']);
  });

  it('gives exactly one decision when two staff decide the same upload at once', async () => {
    await server.createUser('cora', { platformRoles: ['credentialing'] });
    const cora = await server.createToken('cora');
    const pending = await json<Upload>(await upload(other, { file: PDF, completedOn: '2031-01-20' }), 201);
    const answers = await Promise.all([
      server.api('POST', `/api/certificate-checks/${pending.id}/accept`, { token: carol }),
      server.api('POST', `/api/certificate-checks/${pending.id}/reject`, { token: cora, json: { reason: 'Not the completion report.' } }),
    ]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409]);
    const mine = await json<{ uploads: Upload[]; certificates: unknown[] }>(await server.api('GET', '/api/me/trainings', { token: other }), 200);
    assert.equal(mine.certificates.length, mine.uploads[0]!.status === 'accepted' ? 1 : 0);
  });

  it('does not let staff check their own certificate', async () => {
    const own = await json<Upload>(await upload(carol, { file: PDF, completedOn: '2031-01-20' }), 201);
    await problem(await server.api('POST', `/api/certificate-checks/${own.id}/accept`, { token: carol }), 403, 'forbidden');
  });
});
