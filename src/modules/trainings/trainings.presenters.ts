import { publicQuestions, type QuizResult } from './trainings.models.ts';
import type { AttemptRow, CertificateRow, TrainingRow, UploadRow } from './trainings.repository.ts';
import type { loadMyTrainings } from './trainings.usecases.ts';

/** JSON shapes of the trainings API. Quiz answers never leave the server. */

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

export const presentTrainingSummary = (t: TrainingRow) => ({
  slug: t.slug, title: t.title, summary: t.summary, validityDays: t.validityDays,
  course: t.questions.length > 0 ? { modules: t.modules.length, questions: t.questions.length, passMark: t.passMark } : null,
  externalCertificates: t.externalAccepted ? { accepted: true, expected: t.externalInstructions } : { accepted: false, expected: null },
});

export const presentCertificate = (c: CertificateRow, now: Date) => ({
  id: c.id, source: c.source, issuedAt: iso(c.issuedAt), expiresAt: iso(c.expiresAt),
  state: c.revokedAt ? 'revoked' : c.expiresAt.getTime() > now.getTime() ? 'valid' : 'expired',
});

export const presentAttempt = (a: AttemptRow) => ({ id: a.id, score: a.score, total: a.total, passed: a.passed, at: iso(a.createdAt) });

export function presentCourse(view: { training: TrainingRow; standing: { state: string; current: { expiresAt: Date } | null } | null; attempts: AttemptRow[] }) {
  const t = view.training;
  return {
    ...presentTrainingSummary(t),
    modules: t.modules,
    questions: publicQuestions(t.questions),
    you: view.standing ? { state: view.standing.state, expiresAt: iso(view.standing.current?.expiresAt), attempts: view.attempts.map(presentAttempt) } : null,
  };
}

export const presentAttemptResult = (r: { training: TrainingRow; attempt: AttemptRow; result: QuizResult; certificate: CertificateRow | null }, now: Date) => ({
  training: r.training.slug, attempt: presentAttempt(r.attempt), passMark: r.training.passMark, wrong: r.result.wrong,
  certificate: r.certificate ? presentCertificate(r.certificate, now) : null,
});

type UploadWithNames = { upload: UploadRow; training: { slug: string; title: string }; user: { username: string; displayName: string } };

export const presentUpload = ({ upload, training, user }: UploadWithNames) => ({
  id: upload.id, training: { slug: training.slug, title: training.title }, user: { username: user.username, displayName: user.displayName },
  fileName: upload.fileName, size: upload.size, sha256: upload.sha256, completedOn: upload.completedOn.toISOString().slice(0, 10),
  status: upload.status, reviewedAt: iso(upload.reviewedAt),
  /** The reason of a rejection, or the note of an acceptance: addressed to the user. */
  comment: upload.reviewComment, uploadedAt: iso(upload.createdAt),
});

export function presentMyTrainings(view: Awaited<ReturnType<typeof loadMyTrainings>>) {
  return {
    trainings: view.standings.map((s) => ({ slug: s.training.slug, title: s.training.title, state: s.state, expiresAt: iso(s.current?.expiresAt) })),
    certificates: view.certificates.map((c) => ({ training: c.training, ...presentCertificate(c.certificate, view.now) })),
    uploads: view.uploads.map(presentUpload),
  };
}
