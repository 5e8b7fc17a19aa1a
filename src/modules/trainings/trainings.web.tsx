import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { notFound } from '../../lib/errors.ts';
import { renderMarkdown } from '../../lib/markdown.ts';
import type { FormState } from '../web/form.tsx';
import { formFields, isFormError, loginPath, sendPage } from '../web/web.support.ts';
import { CheckPage, CheckQueuePage, CoursePage, ModulePage, MyTrainingsPage, QuizPage, TrainingListPage } from './trainings.pages.tsx';
import { presentCourse, presentMyTrainings, presentTrainingSummary, presentUpload } from './trainings.presenters.ts';
import { certificateBodyLimit, ensureTrainingAllowed, readUploadForm, sendCertificateFile } from './trainings.routes.ts';
import { loadCheckQueue, loadUpload, uploadCertificate, verifyUpload } from './trainings.uploads.usecases.ts';
import { loadCourseForUser, loadMyTrainings, loadTrainings, submitAttempt } from './trainings.usecases.ts';

/** Server-rendered training pages. Forms post back here and work without scripts. */
export function trainingPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const userId = (c: AppContext) => { const a = c.get('actor'); return a.kind === 'user' ? a.user.id : null; };
  const course = async (c: AppContext) => presentCourse(await loadCourseForUser(deps, c.req.param('slug') ?? '', userId(c)));

  app.get('/trainings', async (c) => {
    const id = userId(c);
    const mine = id ? presentMyTrainings(await loadMyTrainings(deps, id)) : null;
    return sendPage(c, <TrainingListPage actor={c.get('actor')} trainings={(await loadTrainings(deps)).map(presentTrainingSummary)} mine={mine} />);
  });
  app.get('/trainings/:slug', async (c) => sendPage(c, <CoursePage actor={c.get('actor')} course={await course(c)} />));

  app.get('/trainings/:slug/modules/:n', async (c) => {
    const view = await course(c);
    const index = Number(c.req.param('n')) - 1;
    const module = Number.isInteger(index) ? view.modules[index] : undefined;
    if (!module) throw notFound('module_not_found', `"${view.title}" has ${view.modules.length} modules; there is no module ${c.req.param('n')}.`);
    // Course texts come from administrators, but go through the same sanitizer as model cards.
    return sendPage(c, <ModulePage actor={c.get('actor')} course={view} index={index} html={renderMarkdown(module.body)} />);
  });

  app.get('/trainings/:slug/quiz', async (c) => {
    if (!userId(c)) return c.redirect(loginPath(`/trainings/${c.req.param('slug')}/quiz`), 303);
    return sendPage(c, <QuizPage actor={c.get('actor')} course={await course(c)} state={{}} />);
  });
  app.post('/trainings/:slug/quiz', async (c) => {
    const slug = c.req.param('slug');
    if (!userId(c)) return c.redirect(loginPath(`/trainings/${slug}/quiz`), 303);
    const form = await formFields(c);
    const actor = ensureTrainingAllowed(c.get('actor'), { type: 'training.take' });
    // `answers.<id>` radio values; an unanswered question is simply absent, and the use case names it.
    const answers = Object.fromEntries(Object.entries(form).filter(([k]) => k.startsWith('answers.')).map(([k, v]) => [k.slice('answers.'.length), /^\d+$/.test(v) ? Number(v) : v]));
    try {
      const r = await submitAttempt(deps, actor, slug, { answers }, auditContextOf(c));
      const outcome = { score: r.result.score, total: r.result.total, passed: r.result.passed, passMark: r.training.passMark, wrong: r.result.wrong, expiresAt: r.certificate?.expiresAt.toISOString() ?? null };
      return sendPage(c, <QuizPage actor={actor} course={await course(c)} state={{ values: form }} outcome={outcome} />, 201);
    } catch (error) {
      if (!isFormError(error) || error.status === 404) throw error;
      return sendPage(c, <QuizPage actor={actor} course={await course(c)} state={{ values: form, error }} />, error.status);
    }
  });

  async function myPage(c: AppContext, state: FormState = {}, notice?: string) {
    const actor = ensureTrainingAllowed(c.get('actor'), { type: 'training.read-own' });
    const externals = (await loadTrainings(deps)).filter((t) => t.externalAccepted).map(presentTrainingSummary);
    return sendPage(c, <MyTrainingsPage actor={actor} mine={presentMyTrainings(await loadMyTrainings(deps, actor.user.id))} externals={externals} state={state} notice={notice} />, state.error?.status ?? 200);
  }
  app.get('/settings/trainings', async (c) => {
    if (!userId(c)) return c.redirect(loginPath('/settings/trainings'), 303);
    return myPage(c, {}, c.req.query('uploaded') ? 'Uploaded. Credentialing staff will check it; you will get a mail with their decision.' : undefined);
  });
  app.post('/settings/trainings/upload', certificateBodyLimit, async (c) => {
    if (!userId(c)) return c.redirect(loginPath('/settings/trainings'), 303);
    const actor = ensureTrainingAllowed(c.get('actor'), { type: 'training.take' });
    let values: Record<string, string> = {};
    try {
      const input = await readUploadForm(c);
      values = input.fields;
      await uploadCertificate(deps, actor, input.fields.training ?? '', input, auditContextOf(c));
    } catch (error) {
      if (!isFormError(error) || error.status === 401 || error.status === 403) throw error;
      return myPage(c, { values, error });
    }
    return c.redirect('/settings/trainings?uploaded=1', 303);
  });
  app.get('/settings/trainings/uploads/:id/file', async (c) => sendCertificateFile(deps, c));

  // Staff
  app.get('/staff/certificates', async (c) => {
    if (!userId(c)) return c.redirect(loginPath('/staff/certificates'), 303);
    const actor = ensureTrainingAllowed(c.get('actor'), { type: 'training.check-queue' });
    return sendPage(c, <CheckQueuePage actor={actor} items={(await loadCheckQueue(deps)).map(presentUpload)} />);
  });
  async function checkPage(c: AppContext, id: string, state: FormState = {}, notice?: string) {
    const found = await loadUpload(deps, id);
    const actor = ensureTrainingAllowed(c.get('actor'), { type: 'training.read-upload', ownerId: found.upload.userId });
    ensureTrainingAllowed(actor, { type: 'training.check-queue' });
    const expected = (await loadCourseForUser(deps, found.training.slug, null)).training.externalInstructions;
    return sendPage(c, <CheckPage actor={actor} upload={presentUpload(found)} expected={expected} state={state} notice={notice} />, state.error?.status ?? 200);
  }
  app.get('/staff/certificates/:id', async (c) => {
    if (!userId(c)) return c.redirect(loginPath(`/staff/certificates/${c.req.param('id')}`), 303);
    const done = c.req.query('done');
    return checkPage(c, c.req.param('id'), {}, done === 'accept' ? 'Accepted: the certificate counts from now.' : done === 'reject' ? 'Rejected: the user was told why.' : undefined);
  });
  app.get('/staff/certificates/:id/file', async (c) => sendCertificateFile(deps, c));
  for (const verdict of ['accept', 'reject'] as const) {
    app.post(`/staff/certificates/:id/${verdict}`, async (c) => {
      const id = c.req.param('id');
      if (!userId(c)) return c.redirect(loginPath(`/staff/certificates/${id}`), 303);
      const form = await formFields(c);
      try {
        const found = await loadUpload(deps, id);
        const actor = ensureTrainingAllowed(c.get('actor'), { type: 'training.verify', ownerId: found.upload.userId });
        await verifyUpload(deps, actor, found.upload.id, verdict, form, auditContextOf(c));
      } catch (error) {
        if (!isFormError(error) || error.status === 401 || error.status === 403 || error.status === 404) throw error;
        return checkPage(c, id, { values: { ...form, verdict }, error });
      }
      return c.redirect(`/staff/certificates/${id}?done=${verdict}`, 303);
    });
  }
  return app;
}
