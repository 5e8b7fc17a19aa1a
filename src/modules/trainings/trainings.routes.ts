import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { AppError, unauthenticated } from '../../lib/errors.ts';
import { formBody } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import type { Actor } from '../access/actor.ts';
import { MAX_CERTIFICATE_BYTES } from './trainings.models.ts';
import type { TrainingAction } from './trainings.policies.ts';
import { presentAttemptResult, presentCourse, presentMyTrainings, presentTrainingSummary, presentUpload } from './trainings.presenters.ts';
import { loadCheckQueue, loadUpload, tooLarge, uploadCertificate, verifyUpload, type UploadInput, type Verdict } from './trainings.uploads.usecases.ts';
import { findUploadFile } from './trainings.repository.ts';
import { loadCourseForUser, loadMyTrainings, loadTrainings, saveTraining, submitAttempt } from './trainings.usecases.ts';

type UserActor = Actor & { kind: 'user' };

/** Asks the policy; a refusal becomes the error that says what to do instead. */
export function ensureTrainingAllowed(actor: Actor, action: TrainingAction): UserActor {
  const decision = authorize(actor, action);
  if (decision.allowed && actor.kind === 'user') return actor;
  const reason = decision.allowed ? 'sign-in-required' : decision.reason;
  switch (reason) {
    case 'sign-in-required': throw unauthenticated('Sign in, or pass a token, to take trainings and manage certificates.');
    case 'user-blocked': throw new AppError('user_blocked', 403, 'Your account is blocked. Contact the platform administrators.');
    case 'insufficient-scope': throw new AppError('insufficient_scope', 403, 'This token is read-only. Use a write token or the browser.');
    default:
      throw new AppError('forbidden', 403, action.type === 'training.manage'
        ? 'Only platform administrators add or change trainings.'
        : 'Only credentialing staff check certificates, and nobody checks their own.');
  }
}

/**
 * Every upload is capped before it is read: the limit covers the PDF plus the form's other
 * fields, and the use case checks the file's own size against the exact limit.
 */
export const certificateBodyLimit = bodyLimit({ maxSize: MAX_CERTIFICATE_BYTES + 64 * 1024, onError: () => { throw tooLarge(); } });

/** The `file` and `completedOn` fields of a multipart upload. */
export async function readUploadForm(c: AppContext): Promise<UploadInput & { fields: Record<string, string> }> {
  const type = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(type)) {
    // Read the body (within the route's limit) before refusing it. Answered unread, the server
    // drained it only briefly and then closed the connection the client had been told to keep,
    // so the client's next request on it failed with no answer at all.
    await c.req.arrayBuffer();
    throw new AppError('invalid_input', 415, 'file: send the certificate as multipart/form-data with a "file" field (the PDF) and a "completedOn" field (YYYY-MM-DD).', { field: 'file' });
  }
  const body = await formBody(c);
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') fields[k] = v;
  const part = body.file;
  const file = part instanceof File && part.size > 0 ? { name: part.name, bytes: new Uint8Array(await part.arrayBuffer()) } : null;
  return { file, completedOn: fields.completedOn, fields };
}

export function trainingRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const now = () => deps.clock.now();

  app.get('/api/trainings', async (c) => c.json((await loadTrainings(deps)).map(presentTrainingSummary)));

  app.post('/api/trainings', async (c) => {
    const body = await c.req.json();
    const actor = ensureTrainingAllowed(c.get('actor'), { type: 'training.manage' });
    const { training } = await saveTraining(deps, actor, body, { audit: auditContextOf(c) });
    return c.json(presentCourse({ training, standing: null, attempts: [] }), 201);
  });
  app.put('/api/trainings/:slug', async (c) => {
    const body = await c.req.json();
    const actor = ensureTrainingAllowed(c.get('actor'), { type: 'training.manage' });
    const { training, created } = await saveTraining(deps, actor, body, { slug: c.req.param('slug'), audit: auditContextOf(c) });
    return c.json(presentCourse({ training, standing: null, attempts: [] }), created ? 201 : 200);
  });

  app.get('/api/trainings/:slug', async (c) => {
    const actor = c.get('actor');
    return c.json(presentCourse(await loadCourseForUser(deps, c.req.param('slug'), actor.kind === 'user' ? actor.user.id : null)));
  });

  app.post('/api/trainings/:slug/attempts', async (c) => {
    const body = await c.req.json();
    const actor = ensureTrainingAllowed(c.get('actor'), { type: 'training.take' });
    return c.json(presentAttemptResult(await submitAttempt(deps, actor, c.req.param('slug'), body, auditContextOf(c)), now()), 201);
  });

  app.post('/api/trainings/:slug/certificates', certificateBodyLimit, async (c) => {
    const actor = ensureTrainingAllowed(c.get('actor'), { type: 'training.take' });
    const input = await readUploadForm(c);
    const upload = await uploadCertificate(deps, actor, c.req.param('slug'), input, auditContextOf(c));
    return c.json(presentUpload(await loadUpload(deps, upload.id)), 201);
  });

  app.get('/api/me/trainings', async (c) => {
    const actor = ensureTrainingAllowed(c.get('actor'), { type: 'training.read-own' });
    return c.json(presentMyTrainings(await loadMyTrainings(deps, actor.user.id)));
  });

  // Staff: the certificate-check queue.
  app.get('/api/certificate-checks', async (c) => {
    ensureTrainingAllowed(c.get('actor'), { type: 'training.check-queue' });
    return c.json((await loadCheckQueue(deps)).map(presentUpload));
  });
  app.get('/api/certificate-checks/:id', async (c) => {
    ensureTrainingAllowed(c.get('actor'), { type: 'training.read-own' });
    const found = await loadUpload(deps, c.req.param('id'));
    ensureTrainingAllowed(c.get('actor'), { type: 'training.read-upload', ownerId: found.upload.userId });
    return c.json(presentUpload(found));
  });
  app.get('/api/certificate-checks/:id/file', async (c) => sendCertificateFile(deps, c));
  for (const verdict of ['accept', 'reject'] as const satisfies readonly Verdict[]) {
    app.post(`/api/certificate-checks/:id/${verdict}`, async (c) => {
      const text = await c.req.text();
      const body = text.trim() ? JSON.parse(text) : {};
      ensureTrainingAllowed(c.get('actor'), { type: 'training.read-own' });
      const found = await loadUpload(deps, c.req.param('id'));
      const actor = ensureTrainingAllowed(c.get('actor'), { type: 'training.verify', ownerId: found.upload.userId });
      await verifyUpload(deps, actor, found.upload.id, verdict, body, auditContextOf(c));
      return c.json(presentUpload(await loadUpload(deps, found.upload.id)));
    });
  }
  return app;
}

/**
 * The uploaded PDF, to its owner and to staff. Sent as an attachment with a fixed name and
 * `nosniff`, so a crafted file is never rendered as a page of this site.
 */
export async function sendCertificateFile(deps: AppDeps, c: AppContext) {
  ensureTrainingAllowed(c.get('actor'), { type: 'training.read-own' });
  const found = await loadUpload(deps, c.req.param('id') ?? '');
  ensureTrainingAllowed(c.get('actor'), { type: 'training.read-upload', ownerId: found.upload.userId });
  const file = await findUploadFile(deps.db, found.upload.id);
  if (!file) throw new AppError('upload_not_found', 404, 'The file of this upload is gone.');
  return c.body(new Uint8Array(file.content), 200, {
    'Content-Type': 'application/pdf',
    'Content-Disposition': `attachment; filename="certificate-${found.upload.id}.pdf"`,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'private, no-store',
  });
}
