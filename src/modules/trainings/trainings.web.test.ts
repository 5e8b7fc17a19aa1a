import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, postForm, signIn } from '../../../test/support/web-client.ts';
import { RESPONSIBLE_RESEARCH } from './trainings.shipped.ts';

const SLUG = RESPONSIBLE_RESEARCH.slug;
const answerFields = (pick: (q: (typeof RESPONSIBLE_RESEARCH.questions)[number]) => number) =>
  Object.fromEntries(RESPONSIBLE_RESEARCH.questions.map((q) => [`answers.${q.id}`, String(pick(q))]));

describe('training pages in the browser', () => {
  let server: TestServer;
  let rita: string;
  let carol: string;

  const uploadPage = (cookie: string, file: Buffer, completedOn: string) => {
    const form = new FormData();
    form.set('training', 'citi-human-subjects');
    form.set('file', new Blob([file]), 'certificate.pdf');
    form.set('completedOn', completedOn);
    return fetch(`${server.url}/settings/trainings/upload`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: server.url, accept: 'text/html' }, body: form });
  };

  before(async () => {
    server = await startTestServer();
    const r = await server.createUser('rita');
    const c = await server.createUser('carol', { platformRoles: ['credentialing'] });
    await server.createUser('root', { platformRoles: ['admin'] });
    rita = await signIn(server, 'rita', r.password);
    carol = await signIn(server, 'carol', c.password);
    const admin = await server.createToken('root');
    const created = await server.api('POST', '/api/trainings', { token: admin, json: {
      slug: 'citi-human-subjects', title: 'CITI: Human subjects research', summary: 'The CITI Program course on human subjects.', validityDays: 1095,
      modules: [{ title: 'Read this', body: 'Be **careful** <script>alert(1)</script><img src="x" onerror="alert(2)">' }],
      questions: [{ id: 'q1', prompt: 'Are you careful?', choices: ['no', 'yes'], answer: 1 }],
      externalAccepted: true, externalInstructions: 'the CITI "Completion Report" PDF with your name and the date.',
    } });
    assert.equal(created.status, 201);
  });
  after(() => server.close());

  it('lists the trainings, the shipped course among them, to anyone', async () => {
    const res = await getPage(server, '/trainings');
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /Responsible research with high-risk models/);
    assert.match(html, /External certificates accepted/);
  });

  it('shows a module with its markdown sanitized like a model card', async () => {
    const res = await getPage(server, '/trainings/citi-human-subjects/modules/1', { cookie: rita });
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(html, /<strong>careful<\/strong>/);
    assert.doesNotMatch(html, /<script>alert|onerror/);
    assert.equal((await getPage(server, '/trainings/citi-human-subjects/modules/9')).status, 404);
  });

  it('sends a visitor to sign in before the quiz', async () => {
    const res = await getPage(server, `/trainings/${SLUG}/quiz`);
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location') ?? '', /^\/login\?next=/);
  });

  it('takes the quiz: an unanswered question is named, wrong answers fail, right ones pass', async () => {
    const all = answerFields((q) => q.answer);
    const { ['answers.dual-use']: _, ...missing } = all;
    const incomplete = await postForm(server, `/trainings/${SLUG}/quiz`, missing, { cookie: rita });
    assert.equal(incomplete.status, 400);
    assert.match(await incomplete.text(), /Answer every question/);
    const failed = await postForm(server, `/trainings/${SLUG}/quiz`, answerFields((q) => (q.answer + 1) % q.choices.length), { cookie: rita });
    assert.equal(failed.status, 201);
    assert.match(await failed.text(), /Not passed<\/strong>: 0 of 5 correct/);
    const passed = await postForm(server, `/trainings/${SLUG}/quiz`, all, { cookie: rita });
    assert.match(await passed.text(), /Passed<\/strong>: 5 of 5 correct.*valid until/s);
    const mine = await (await getPage(server, '/settings/trainings', { cookie: rita })).text();
    assert.match(mine, /Responsible research with high-risk models<\/a><\/td><td><span class="badge status-approved">valid/);
  });

  it('refuses a non-PDF upload on the page, beside the file field, and takes a PDF', async () => {
    const refused = await uploadPage(rita, Buffer.from('GIF89a...'), '2030-01-01');
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /is not a PDF/);
    const ok = await uploadPage(rita, Buffer.from('%PDF-1.4\n%%EOF\n'), new Date(Date.now() - 86_400_000).toISOString().slice(0, 10));
    assert.equal(ok.status, 303);
    const mine = await (await getPage(server, '/settings/trainings?uploaded=1', { cookie: rita })).text();
    assert.match(mine, /waiting for staff/);
  });

  it('lets staff reject from the queue, and the user reads the reason on their page', async () => {
    assert.equal((await getPage(server, '/staff/certificates', { cookie: rita })).status, 403);
    const queue = await (await getPage(server, '/staff/certificates', { cookie: carol })).text();
    const id = /\/staff\/certificates\/([0-9a-f-]{36})/.exec(queue)?.[1];
    assert.ok(id, queue);
    const page = await (await getPage(server, `/staff/certificates/${id}`, { cookie: carol })).text();
    assert.match(page, /Completion Report/);
    const empty = await postForm(server, `/staff/certificates/${id}/reject`, { reason: '' }, { cookie: carol });
    assert.equal(empty.status, 400);
    const done = await postForm(server, `/staff/certificates/${id}/reject`, { reason: 'This is a transcript, not the Completion Report.' }, { cookie: carol });
    assert.equal(done.status, 303);
    const mine = await (await getPage(server, '/settings/trainings', { cookie: rita })).text();
    assert.match(mine, /not accepted.*This is a transcript, not the Completion Report\./s);
  });
});
