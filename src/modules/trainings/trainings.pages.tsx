import type { SanitizedHtml } from '../../lib/markdown.ts';
import type { Actor } from '../access/actor.ts';
import { TextArea } from '../credentials/credentials.pages.tsx';
import { Field, FormError, type FormState } from '../web/form.tsx';
import { Layout } from '../web/layout.tsx';
import { fieldMessage, formatBytes, formatDate } from '../web/web.support.ts';
import { MAX_CERTIFICATE_BYTES } from './trainings.models.ts';
import type { presentCourse, presentMyTrainings, presentTrainingSummary, presentUpload } from './trainings.presenters.ts';

/** Researcher pages of trainings: the list, a course's modules, its quiz and result, and one's certificates. */

type Summary = ReturnType<typeof presentTrainingSummary>;
type Course = ReturnType<typeof presentCourse>;
type Mine = ReturnType<typeof presentMyTrainings>;
export type UploadView = ReturnType<typeof presentUpload>;

const day = (iso: string | null) => (iso ? formatDate(new Date(iso)) : '—');
const STATE_LABEL: Record<string, string> = { valid: 'valid', expired: 'expired', none: 'not taken', revoked: 'revoked' };
export const UPLOAD_LABEL: Record<string, string> = { pending: 'waiting for staff', accepted: 'accepted', rejected: 'not accepted' };
const badge = (state: string) => <span class={`badge status-${state === 'valid' || state === 'accepted' ? 'approved' : state === 'none' || state === 'pending' ? 'submitted' : 'rejected'}`}>{STATE_LABEL[state] ?? UPLOAD_LABEL[state] ?? state}</span>;

export function TrainingListPage({ actor, trainings, mine }: { actor: Actor; trainings: Summary[]; mine: Mine | null }) {
  return (
    <Layout title="Trainings" actor={actor} path="/trainings">
      <h1>Trainings</h1>
      <p class="muted">Some repositories require a training before you can download. Each certificate is valid for a set time; you are warned by mail 30 days before it ends.</p>
      <ul class="list" data-testid="training-list">
        {trainings.map((t) => {
          const state = mine?.trainings.find((s) => s.slug === t.slug);
          return (
            <li class="card">
              <h2><a href={`/trainings/${t.slug}`}>{t.title}</a> {state ? badge(state.state) : null}</h2>
              <p>{t.summary}</p>
              <p class="muted">
                {t.course ? `${t.course.modules} modules, a ${t.course.questions}-question quiz (pass mark ${t.course.passMark}%). ` : ''}
                {t.externalCertificates.accepted ? 'External certificates accepted. ' : ''}Valid {t.validityDays} days.
                {state?.expiresAt ? ` Yours ${state.state === 'valid' ? 'is valid until' : 'expired on'} ${day(state.expiresAt)}.` : ''}
              </p>
            </li>
          );
        })}
      </ul>
    </Layout>
  );
}

export function CoursePage({ actor, course }: { actor: Actor; course: Course }) {
  return (
    <Layout title={course.title} actor={actor} path={`/trainings/${course.slug}`}>
      <p><a href="/trainings">← Trainings</a></p>
      <h1>{course.title}</h1>
      <p>{course.summary}</p>
      {course.you ? (
        <p class="notice" data-testid="course-standing">
          Your standing: {badge(course.you.state)}{course.you.expiresAt ? ` until ${day(course.you.expiresAt)}` : ''}. {course.you.attempts.length} attempt{course.you.attempts.length === 1 ? '' : 's'} so far.
        </p>
      ) : <p class="muted">Sign in to take the quiz and get a certificate.</p>}
      {course.modules.length > 0 ? (
        <section>
          <h2>Modules</h2>
          <ol>{course.modules.map((m, i) => <li><a href={`/trainings/${course.slug}/modules/${i + 1}`}>{m.title}</a></li>)}</ol>
          <p><a href={`/trainings/${course.slug}/modules/1`}>Start reading →</a> · <a href={`/trainings/${course.slug}/quiz`}>Take the quiz</a> ({course.questions.length} questions, pass mark {course.course?.passMark}%)</p>
        </section>
      ) : null}
      {course.externalCertificates.accepted ? (
        <section class="card">
          <h2>Already certified elsewhere?</h2>
          <p>We accept {course.externalCertificates.expected}</p>
          <p><a href="/settings/trainings">Upload your certificate</a> for credentialing staff to check.</p>
        </section>
      ) : null}
    </Layout>
  );
}

export function ModulePage({ actor, course, index, html }: { actor: Actor; course: Course; index: number; html: SanitizedHtml }) {
  const module = course.modules[index]!;
  const last = index === course.modules.length - 1;
  return (
    <Layout title={`${module.title} · ${course.title}`} actor={actor} path={`/trainings/${course.slug}/modules/${index + 1}`}>
      <p><a href={`/trainings/${course.slug}`}>← {course.title}</a> · module {index + 1} of {course.modules.length}</p>
      <h1>{module.title}</h1>
      <article class="card markdown" data-testid="module-body"><div dangerouslySetInnerHTML={{ __html: html }} /></article>
      <p>
        {index > 0 ? <><a href={`/trainings/${course.slug}/modules/${index}`}>← Previous</a> · </> : null}
        {last ? <a href={`/trainings/${course.slug}/quiz`}>Take the quiz →</a> : <a href={`/trainings/${course.slug}/modules/${index + 2}`}>Next →</a>}
      </p>
    </Layout>
  );
}

export interface QuizOutcome {
  score: number;
  total: number;
  passed: boolean;
  passMark: number;
  wrong: string[];
  expiresAt: string | null;
}

export function QuizPage({ actor, course, state, outcome }: { actor: Actor; course: Course; state: FormState; outcome?: QuizOutcome }) {
  return (
    <Layout title={`Quiz · ${course.title}`} actor={actor} path={`/trainings/${course.slug}/quiz`}>
      <p><a href={`/trainings/${course.slug}`}>← {course.title}</a></p>
      <h1>Quiz: {course.title}</h1>
      {outcome ? (
        <section class={`notice ${outcome.passed ? '' : 'pending'}`} role="status" data-testid="quiz-result">
          <p><strong>{outcome.passed ? 'Passed' : 'Not passed'}</strong>: {outcome.score} of {outcome.total} correct (pass mark {outcome.passMark}%).</p>
          {outcome.passed ? <p>Your certificate is valid until {day(outcome.expiresAt)}. See <a href="/settings/trainings">my certificates</a>.</p> : <p>Read the modules again, then retry. The questions you got wrong are marked below.</p>}
        </section>
      ) : <p class="muted">Answer every question. You need {course.course?.passMark}% to pass; your attempts are recorded.</p>}
      <FormError state={state} fields={course.questions.map((q) => `answers.${q.id}`)} />
      {!outcome?.passed ? (
        <form method="post" action={`/trainings/${course.slug}/quiz`} class="stack wide">
          {course.questions.map((q, n) => {
            const name = `answers.${q.id}`;
            const error = state.error?.field === name ? fieldMessage(state.error) : outcome?.wrong.includes(q.id) ? 'Not right; think again.' : null;
            return (
              <fieldset class={error ? 'field invalid' : 'field'}>
                <legend>{n + 1}. {q.prompt}</legend>
                {q.choices.map((choice, i) => <label><input type="radio" name={name} value={String(i)} checked={state.values?.[name] === String(i)} /> {choice}</label>)}
                {error ? <small class="field-error">{error}</small> : null}
              </fieldset>
            );
          })}
          <button type="submit">Submit answers</button>
        </form>
      ) : null}
    </Layout>
  );
}

export function MyTrainingsPage({ actor, mine, externals, state, notice }: { actor: Actor; mine: Mine; externals: Summary[]; state: FormState; notice?: string }) {
  return (
    <Layout title="My trainings and certificates" actor={actor} path="/settings/trainings">
      <h1>My trainings and certificates</h1>
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      <table data-testid="my-trainings">
        <thead><tr><th>Training</th><th>State</th><th>Valid until</th></tr></thead>
        <tbody>{mine.trainings.map((t) => <tr><td><a href={`/trainings/${t.slug}`}>{t.title}</a></td><td>{badge(t.state)}</td><td>{day(t.expiresAt)}</td></tr>)}</tbody>
      </table>
      <h2>Uploaded certificates</h2>
      {mine.uploads.length === 0 ? <p class="muted">None yet.</p> : (
        <table data-testid="my-uploads">
          <thead><tr><th>Training</th><th>File</th><th>Completed</th><th>State</th><th>Staff note</th></tr></thead>
          <tbody>
            {mine.uploads.map((u) => (
              <tr><td>{u.training.title}</td><td><a href={`/settings/trainings/uploads/${u.id}/file`}>{u.fileName}</a></td><td>{u.completedOn}</td><td>{badge(u.status)}</td><td>{u.comment ?? '—'}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      {externals.length > 0 ? (
        <section class="card">
          <h2>Upload an external certificate</h2>
          <p>Upload the <strong>completion certificate itself</strong>, as a PDF of at most {formatBytes(MAX_CERTIFICATE_BYTES)}: not the course report, a transcript, a screenshot or a photo. Credentialing staff check it against your name and the completion date.</p>
          <ul>{externals.map((t) => <li><strong>{t.title}</strong>: {t.externalCertificates.expected}</li>)}</ul>
          <FormError state={state} fields={['training', 'file', 'completedOn']} />
          <form method="post" action="/settings/trainings/upload" enctype="multipart/form-data" class="stack">
            <label class={state.error?.field === 'training' ? 'field invalid' : 'field'}>
              <span>Training</span>
              <select name="training">{externals.map((t) => <option value={t.slug} selected={state.values?.training === t.slug}>{t.title}</option>)}</select>
            </label>
            <label class={state.error?.field === 'file' ? 'field invalid' : 'field'}>
              <span>Certificate (PDF)</span>
              <input type="file" name="file" accept="application/pdf,.pdf" />
              {state.error?.field === 'file' ? <small class="field-error">{fieldMessage(state.error)}</small> : null}
            </label>
            <Field label="Completion date printed on the certificate" name="completedOn" type="date" state={state} />
            <button type="submit">Upload for checking</button>
          </form>
        </section>
      ) : null}
    </Layout>
  );
}

// ---- Staff

export function CheckQueuePage({ actor, items }: { actor: Actor; items: UploadView[] }) {
  return (
    <Layout title="Certificate checks" actor={actor} path="/staff/certificates">
      <h1>Certificate checks</h1>
      <p class="muted">Uploaded external certificates, oldest first.</p>
      {items.length === 0 ? <p>Nothing waiting.</p> : (
        <table class="queue" data-testid="certificate-queue">
          <thead><tr><th>User</th><th>Training</th><th>Completed</th><th>Uploaded</th></tr></thead>
          <tbody>{items.map((u) => <tr><td><a href={`/staff/certificates/${u.id}`}>{u.user.displayName}</a> <span class="muted">@{u.user.username}</span></td><td>{u.training.title}</td><td>{u.completedOn}</td><td>{day(u.uploadedAt)}</td></tr>)}</tbody>
        </table>
      )}
    </Layout>
  );
}

export function CheckPage({ actor, upload, expected, state, notice }: { actor: Actor; upload: UploadView; expected: string | null; state: FormState; notice?: string }) {
  return (
    <Layout title={`Certificate of ${upload.user.username}`} actor={actor} path={`/staff/certificates/${upload.id}`}>
      <p><a href="/staff/certificates">← Queue</a></p>
      <h1>{upload.training.title}: {upload.user.displayName} {badge(upload.status)}</h1>
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      <FormError state={state} fields={['reason', 'comment']} />
      <dl class="card facts">
        <dt>Account</dt><dd>@{upload.user.username}</dd>
        <dt>Expected document</dt><dd>{expected ?? '—'}</dd>
        <dt>File</dt><dd><a href={`/staff/certificates/${upload.id}/file`}>{upload.fileName}</a> ({formatBytes(upload.size)}, sha256 <code>{upload.sha256.slice(0, 16)}…</code>)</dd>
        <dt>Completion date given</dt><dd>{upload.completedOn}</dd>
        {upload.comment ? <><dt>Note to the user</dt><dd>{upload.comment}</dd></> : null}
      </dl>
      {upload.status === 'pending' ? (
        <div class="review-layout">
          <form method="post" action={`/staff/certificates/${upload.id}/accept`} class="stack step">
            <TextArea label="Note to the user (optional)" name="comment" id="accept-comment" state={state.values?.verdict === 'accept' ? state : {}} rows={2} />
            <button type="submit">Accept: name, course and date match</button>
          </form>
          <form method="post" action={`/staff/certificates/${upload.id}/reject`} class="stack step">
            <TextArea label="Reason (the user sees it)" name="reason" id="reject-reason" state={state.values?.verdict === 'reject' ? state : {}} rows={2} />
            <button type="submit" class="danger">Reject</button>
          </form>
        </div>
      ) : null}
    </Layout>
  );
}
