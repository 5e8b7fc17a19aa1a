import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, problem } from '../../../test/support/applications.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { ManualClock } from '../../lib/clock.ts';
import { auditEvents } from '../audit/audit.tables.ts';
import { RESPONSIBLE_RESEARCH } from './trainings.shipped.ts';

const SLUG = RESPONSIBLE_RESEARCH.slug;
const RIGHT = Object.fromEntries(RESPONSIBLE_RESEARCH.questions.map((q) => [q.id, q.answer]));
const WRONG = Object.fromEntries(RESPONSIBLE_RESEARCH.questions.map((q) => [q.id, (q.answer + 1) % q.choices.length]));

type Course = { slug: string; title: string; modules: { title: string; body: string }[]; questions: { id: string; choices: string[]; answer?: number }[]; you: { state: string; expiresAt: string | null; attempts: { passed: boolean; score: number }[] } | null };
type Result = { attempt: { score: number; total: number; passed: boolean }; wrong: string[]; certificate: { state: string; expiresAt: string } | null };

describe('built-in courses and their quizzes', () => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2031-05-01T10:00:00Z'));
  let rita: string;
  let ritaRead: string;
  let admin: string;
  const attempt = (token: string, answers: unknown, slug = SLUG) => server.api('POST', `/api/trainings/${slug}/attempts`, { token, json: { answers } });

  before(async () => {
    server = await startTestServer({ clock });
    await server.createUser('rita');
    await server.createUser('root', { platformRoles: ['admin'] });
    rita = await server.createToken('rita');
    ritaRead = await server.createToken('rita', 'read');
    admin = await server.createToken('root');
  });
  after(() => server.close());

  it('ships "Responsible research with high-risk models", readable by anyone, without the answers', async () => {
    const list = await json<{ slug: string; title: string; course: { questions: number; passMark: number } }[]>(await server.api('GET', '/api/trainings'), 200);
    const shipped = list.find((t) => t.slug === SLUG);
    assert.equal(shipped?.title, 'Responsible research with high-risk models');
    assert.equal(shipped?.course.questions, 5);
    const course = await json<Course>(await server.api('GET', `/api/trainings/${SLUG}`), 200);
    assert.ok(course.modules.some((m) => /dual use/i.test(m.title)));
    assert.ok(course.questions.every((q) => q.answer === undefined), 'the answers never leave the server');
    assert.equal(course.you, null);
  });

  it('refuses an attempt with an unanswered or impossible answer, naming the question', async () => {
    const { 'consent-scope': _, ...missing } = RIGHT;
    await problem(await attempt(rita, missing), 400, 'invalid_answer', 'answers.consent-scope');
    await problem(await attempt(rita, { ...RIGHT, 'dual-use': 7 }), 400, 'invalid_answer', 'answers.dual-use');
    await problem(await server.api('POST', `/api/trainings/${SLUG}/attempts`, { token: rita, json: {} }), 400, 'invalid_input', 'answers');
    await problem(await attempt(rita, RIGHT, 'no-such-course'), 404, 'training_not_found');
    await problem(await attempt(ritaRead, RIGHT), 403, 'insufficient_scope');
    assert.equal((await server.api('POST', `/api/trainings/${SLUG}/attempts`, { json: { answers: RIGHT } })).status, 401);
  });

  it('records a failed attempt without a certificate, and says which questions were wrong', async () => {
    const result = await json<Result>(await attempt(rita, { ...RIGHT, 'leak-found': 0, redistribution: 0 }), 201);
    assert.deepEqual(result.attempt, { ...result.attempt, score: 3, total: 5, passed: false });
    assert.deepEqual(result.wrong.sort(), ['leak-found', 'redistribution']);
    assert.equal(result.certificate, null);
    const course = await json<Course>(await server.api('GET', `/api/trainings/${SLUG}`, { token: rita }), 200);
    assert.equal(course.you?.state, 'none');
    assert.equal(course.you?.attempts.length, 1);
  });

  it('issues a certificate valid for the training\'s period when the quiz is passed', async () => {
    const result = await json<Result>(await attempt(rita, RIGHT), 201);
    assert.equal(result.attempt.passed, true);
    assert.equal(result.certificate?.state, 'valid');
    assert.equal(result.certificate?.expiresAt, new Date(clock.now().getTime() + 365 * 86_400_000).toISOString());
    const mine = await json<{ trainings: { slug: string; state: string }[]; certificates: { source: string; training: { slug: string } }[] }>(await server.api('GET', '/api/me/trainings', { token: rita }), 200);
    assert.equal(mine.trainings.find((t) => t.slug === SLUG)?.state, 'valid');
    assert.deepEqual(mine.certificates.map((c) => [c.training.slug, c.source]), [[SLUG, 'course']]);
    const course = await json<Course>(await server.api('GET', `/api/trainings/${SLUG}`, { token: rita }), 200);
    assert.deepEqual(course.you?.attempts.map((a) => a.passed), [true, false]);
    await server.flushAudit();
    const audited = await server.runtime.deps.db.select({ action: auditEvents.action }).from(auditEvents);
    assert.deepEqual(audited.map((e) => e.action).filter((a) => a.startsWith('training.')), ['training.failed', 'training.passed']);
  });

  it('stops taking attempts after five failures in a day, and takes them again the next day', async () => {
    await server.createUser('guesser');
    const guesser = await server.createToken('guesser');
    for (let i = 0; i < 5; i += 1) assert.equal((await json<Result>(await attempt(guesser, WRONG), 201)).attempt.passed, false);
    const refused = await problem(await attempt(guesser, RIGHT), 429, 'too_many_attempts');
    assert.match(refused.error, /Read the modules again/);
    clock.advance(86_400_000 + 1000);
    assert.equal((await json<Result>(await attempt(guesser, RIGHT), 201)).attempt.passed, true);
  });

  it('lets platform admins add a course, and nobody else', async () => {
    const course = {
      slug: 'biosafety-basics', title: 'Biosafety basics', summary: 'What to do with models that know biology.', validityDays: 180, passMark: 100,
      modules: [{ title: 'Hazards', body: 'Some **hazards** <script>alert(1)</script>' }],
      questions: [{ id: 'q1', prompt: 'Is synthesis advice fine to publish?', choices: ['yes', 'no'], answer: 1 }],
    };
    await problem(await server.api('POST', '/api/trainings', { token: rita, json: course }), 403, 'forbidden');
    await problem(await server.api('POST', '/api/trainings', { token: admin, json: { ...course, questions: [{ ...course.questions[0], answer: 2 }] } }), 400, 'invalid_input', 'questions.0.answer');
    await problem(await server.api('POST', '/api/trainings', { token: admin, json: { ...course, slug: 'Bad Slug' } }), 400, 'invalid_input', 'slug');
    const created = await json<Course>(await server.api('POST', '/api/trainings', { token: admin, json: course }), 201);
    assert.equal(created.slug, 'biosafety-basics');
    await problem(await server.api('POST', '/api/trainings', { token: admin, json: course }), 409, 'training_exists', 'slug');
    const replaced = await json<{ validityDays: number }>(await server.api('PUT', '/api/trainings/biosafety-basics', { token: admin, json: { ...course, validityDays: 90 } }), 200);
    assert.equal(replaced.validityDays, 90);
    const result = await json<Result>(await attempt(rita, { q1: 1 }, 'biosafety-basics'), 201);
    assert.equal(result.certificate?.expiresAt, new Date(clock.now().getTime() + 90 * 86_400_000).toISOString());
  });

  it('keeps an admin\'s edit of the shipped course across restarts of the seeding', async () => {
    const edited = { ...RESPONSIBLE_RESEARCH, validityDays: 730 };
    await json(await server.api('PUT', `/api/trainings/${SLUG}`, { token: admin, json: edited }), 200);
    const { ensureShippedTrainings } = await import('./trainings.usecases.ts');
    await ensureShippedTrainings(server.runtime.deps.db, clock.now());
    const list = await json<{ slug: string; validityDays: number }[]>(await server.api('GET', '/api/trainings'), 200);
    assert.deepEqual(list.filter((t) => t.slug === SLUG).map((t) => t.validityDays), [730]);
  });
});
