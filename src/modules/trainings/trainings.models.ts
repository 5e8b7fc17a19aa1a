/**
 * Trainings: pure rules, no I/O. A training is identified by its slug. It can be met by passing
 * its built-in course (markdown modules and a quiz), by an external certificate that credentialing
 * staff accepted, or both, and every certificate it issues is valid for the training's period.
 */

export interface CourseModule {
  title: string;
  /** Markdown, rendered through the card renderer's sanitizer. */
  body: string;
}

export interface QuizQuestion {
  /** Stable within the course: answers are keyed by it. */
  id: string;
  prompt: string;
  choices: string[];
  /** Index into `choices`. Never sent to a learner. */
  answer: number;
}

export const UPLOAD_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

export const CERTIFICATE_SOURCES = ['course', 'external'] as const;
export type CertificateSource = (typeof CERTIFICATE_SOURCES)[number];

/** How long before a certificate ends that its holder is warned. */
export const EXPIRY_WARNING_DAYS = 30;

/** Largest external certificate accepted: a scanned certificate is well under this. */
export const MAX_CERTIFICATE_BYTES = 5 * 1024 * 1024;

const DAY_MS = 86_400_000;

export const addDays = (date: Date, days: number) => new Date(date.getTime() + days * DAY_MS);

export interface QuizResult {
  score: number;
  total: number;
  passed: boolean;
  /** The ids of the questions answered wrongly (the right answers are not revealed). */
  wrong: string[];
}

/**
 * Scores one attempt. `passMark` is a percentage; reaching it exactly passes. Unanswered or
 * out-of-range answers count as wrong (the schema refuses them earlier; this stays total).
 */
export function scoreQuiz(questions: readonly QuizQuestion[], answers: Readonly<Record<string, number>>, passMark: number): QuizResult {
  const wrong = questions.filter((q) => answers[q.id] !== q.answer).map((q) => q.id);
  const total = questions.length;
  const score = total - wrong.length;
  // Integer arithmetic: 4/5 against 80 must pass, which floating-point percentages can get wrong.
  const passed = total > 0 && score * 100 >= passMark * total;
  return { score, total, passed, wrong };
}

/** The first answer problem, naming the field (`answers.<id>`), or null when every question has a valid choice. */
export function answerProblem(questions: readonly QuizQuestion[], answers: Readonly<Record<string, unknown>>): { field: string; message: string } | null {
  for (const q of questions) {
    const given = answers[q.id];
    if (given === undefined || given === null) return { field: `answers.${q.id}`, message: 'answer every question' };
    if (typeof given !== 'number' || !Number.isInteger(given) || given < 0 || given >= q.choices.length) {
      return { field: `answers.${q.id}`, message: `choose one of the ${q.choices.length} choices (0 to ${q.choices.length - 1})` };
    }
  }
  const known = new Set(questions.map((q) => q.id));
  const unknown = Object.keys(answers).find((id) => !known.has(id));
  return unknown ? { field: `answers.${unknown}`, message: 'no such question in this course' } : null;
}

/** The questions as a learner sees them: without the answers. */
export const publicQuestions = (questions: readonly QuizQuestion[]) => questions.map(({ id, prompt, choices }) => ({ id, prompt, choices }));

export interface CertificateLike {
  expiresAt: Date;
  revokedAt: Date | null;
}

export const isValidAt = (cert: CertificateLike, now: Date) => cert.revokedAt === null && cert.expiresAt.getTime() > now.getTime();

/** The user's standing on one training, from their certificates (any order). */
export function trainingStanding<C extends CertificateLike>(certs: readonly C[], now: Date): { state: 'valid' | 'expired' | 'none'; current: C | null } {
  const live = certs.filter((c) => c.revokedAt === null).sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime());
  const newest = live[0] ?? null;
  if (!newest) return { state: 'none', current: null };
  return { state: isValidAt(newest, now) ? 'valid' : 'expired', current: newest };
}

/** Whether a certificate is due its expiry warning at `now`: still valid, ending within the window. */
export const dueForWarning = (cert: CertificateLike, now: Date, days = EXPIRY_WARNING_DAYS) =>
  isValidAt(cert, now) && cert.expiresAt.getTime() <= addDays(now, days).getTime();

/** PDF files start with `%PDF-` (ISO 32000); anything else is not the certificate we asked for. */
export const looksLikePdf = (bytes: Uint8Array) => bytes.length >= 5 && Buffer.from(bytes.subarray(0, 5)).toString('latin1') === '%PDF-';

/** Expiry of an external certificate: counted from the completion date printed on it. */
export const externalExpiry = (completedOn: Date, validityDays: number) => addDays(completedOn, validityDays);
