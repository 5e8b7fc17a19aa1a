import type { AppDeps } from '../../app/deps.ts';
import type { Db } from '../../db/client.ts';
import { AppError, badRequest, conflict, notFound } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { actorTokenId, type Actor } from '../access/actor.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { addDays, answerProblem, scoreQuiz, trainingStanding } from './trainings.models.ts';
import {
  countFailedAttemptsSince, findTrainingBySlug, findTrainingsBySlugs, insertAttempt, insertCertificate, insertTrainingIfAbsent, listAttempts,
  listCertificatesOfUser, listLiveCertificatesFor, listPendingUploadSlugs, listTrainings, listUploadsOfUser, updateTraining, type TrainingRow,
} from './trainings.repository.ts';
import { attemptSchema, trainingSchema, type TrainingInput } from './trainings.schemas.ts';
import { SHIPPED_TRAININGS } from './trainings.shipped.ts';

type UserActor = Actor & { kind: 'user' };

/** Failed quiz attempts allowed per course and user in 24 hours: enough to learn, too few to guess through. */
export const MAX_FAILED_ATTEMPTS_PER_DAY = 5;

export async function loadTraining(db: Db, slug: string): Promise<TrainingRow> {
  const training = await findTrainingBySlug(db, slug);
  if (!training) throw notFound('training_not_found', `No training "${slug}". See the list at GET /api/trainings.`, { field: 'slug' });
  return training;
}

export const loadTrainings = (deps: AppDeps) => listTrainings(deps.db);

/** Inserts the shipped courses that are missing; an administrator's edits to one are kept. Idempotent. */
export async function ensureShippedTrainings(db: Db, now: Date) {
  for (const t of SHIPPED_TRAININGS) await insertTrainingIfAbsent(db, { ...t, createdAt: now, updatedAt: now });
}

/** Adds a training, or replaces the one with this slug (a PUT). Certificates already issued stay as they are. */
export async function saveTraining(deps: AppDeps, actor: UserActor, input: unknown, options: { slug?: string; audit?: AuditContext } = {}) {
  const data: TrainingInput = parseInput(trainingSchema, input);
  if (options.slug !== undefined && options.slug !== data.slug) throw badRequest('slug_mismatch', `slug: the body names "${data.slug}" but the address names "${options.slug}".`, 'slug');
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const existing = await findTrainingBySlug(tx, data.slug);
    if (existing && options.slug === undefined) throw conflict('training_exists', `slug: a training "${data.slug}" exists already. Replace it with PUT /api/trainings/${data.slug}.`, 'slug');
    const saved = existing
      ? await updateTraining(tx, existing.id, { ...data, updatedAt: now })
      : (await insertTrainingIfAbsent(tx, { ...data, createdBy: actor.user.id, createdAt: now, updatedAt: now }))!;
    await recordAuditEvent(tx, { action: existing ? 'training.updated' : 'training.created', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), ip: options.audit?.ip, details: { slug: saved.slug, validityDays: saved.validityDays, passMark: saved.passMark, questions: saved.questions.length } });
    return { training: saved, created: !existing };
  });
}

/**
 * Scores a quiz attempt and records it; a pass issues a certificate valid for the training's
 * period from now (a pass while a certificate is still valid renews it).
 */
export async function submitAttempt(deps: AppDeps, actor: UserActor, slug: string, input: unknown, audit: AuditContext = {}) {
  const training = await loadTraining(deps.db, slug);
  if (training.questions.length === 0) {
    throw conflict('training_has_no_quiz', `"${training.title}" has no built-in quiz: upload your external certificate at ${deps.config.baseUrl}/settings/trainings instead.`);
  }
  const { answers } = parseInput(attemptSchema, input ?? {});
  const problem = answerProblem(training.questions, answers);
  if (problem) throw badRequest('invalid_answer', `${problem.field}: ${problem.message}.`, problem.field);
  const now = deps.clock.now();
  const failed = await countFailedAttemptsSince(deps.db, actor.user.id, training.id, addDays(now, -1));
  if (failed >= MAX_FAILED_ATTEMPTS_PER_DAY) {
    throw new AppError('too_many_attempts', 429, `You failed this quiz ${failed} times in the last 24 hours. Read the modules again and come back tomorrow.`);
  }
  const given = answers as Record<string, number>;
  const result = scoreQuiz(training.questions, given, training.passMark);
  return deps.db.transaction(async (tx) => {
    const attempt = await insertAttempt(tx, { trainingId: training.id, userId: actor.user.id, answers: given, score: result.score, total: result.total, passed: result.passed, createdAt: now });
    const certificate = result.passed
      ? await insertCertificate(tx, { trainingId: training.id, userId: actor.user.id, source: 'course', attemptId: attempt.id, issuedAt: now, expiresAt: addDays(now, training.validityDays) })
      : null;
    await recordAuditEvent(tx, {
      action: result.passed ? 'training.passed' : 'training.failed', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), ip: audit.ip,
      details: { slug: training.slug, attemptId: attempt.id, score: result.score, total: result.total, certificateId: certificate?.id ?? null, expiresAt: certificate?.expiresAt.toISOString() ?? null },
    });
    return { training, attempt, result, certificate };
  });
}

/** Everything about one user's trainings: standing per training, certificates, uploads. */
export async function loadMyTrainings(deps: AppDeps, userId: string) {
  const [all, certificates, uploads] = await Promise.all([listTrainings(deps.db), listCertificatesOfUser(deps.db, userId), listUploadsOfUser(deps.db, userId)]);
  const now = deps.clock.now();
  const standings = all.map((training) => ({ training, ...trainingStanding(certificates.filter((c) => c.training.slug === training.slug).map((c) => c.certificate), now) }));
  return { standings, certificates, uploads, now };
}

export async function loadCourseForUser(deps: AppDeps, slug: string, userId: string | null) {
  const training = await loadTraining(deps.db, slug);
  if (!userId) return { training, standing: null, attempts: [] };
  const [certificates, attempts] = await Promise.all([listLiveCertificatesFor(deps.db, userId, [slug]), listAttempts(deps.db, userId, training.id)]);
  return { training, standing: trainingStanding(certificates, deps.clock.now()), attempts };
}

// ---- For the download gate and the access status

export interface UnmetTraining {
  slug: string;
  title: string;
  /** When the newest certificate ran out; null when there was never one. */
  expiredAt: Date | null;
}

/** The first required training (in the policy's order) the user holds no valid certificate for, or null. Re-read at every request. */
export async function findUnmetTraining(db: Db, userId: string, slugs: readonly string[], now: Date): Promise<UnmetTraining | null> {
  const standing = await trainingStandings(db, userId, slugs, now);
  const unmet = standing.find((s) => s.state !== 'valid');
  return unmet ? { slug: unmet.slug, title: unmet.title, expiredAt: unmet.state === 'expired' ? unmet.expiresAt : null } : null;
}

/** `trainingStandings` plus whether an upload waits for staff: for the status page, not the download path. */
export async function trainingStandingsWithUploads(db: Db, userId: string | null, slugs: readonly string[], now: Date) {
  const standings = await trainingStandings(db, userId, slugs, now);
  const pending = userId && standings.some((s) => s.state !== 'valid') ? await listPendingUploadSlugs(db, userId) : new Set<string>();
  return standings.map((s) => ({ ...s, uploadPending: pending.has(s.slug) }));
}

/** Each required training with the user's standing on it, in the policy's order. */
export async function trainingStandings(db: Db, userId: string | null, slugs: readonly string[], now: Date) {
  if (slugs.length === 0) return [];
  const [known, certificates] = await Promise.all([findTrainingsBySlugs(db, [...slugs]), userId ? listLiveCertificatesFor(db, userId, [...slugs]) : Promise.resolve([])]);
  return slugs.map((slug) => {
    const training = known.find((t) => t.slug === slug);
    const { state, current } = trainingStanding(certificates.filter((c) => c.slug === slug), now);
    return { slug, title: training?.title ?? slug, hasCourse: (training?.questions.length ?? 0) > 0, state, expiresAt: current?.expiresAt ?? null };
  });
}

/** Refuses a policy naming a training that does not exist, naming the field. */
export async function checkTrainingSlugs(db: Db, slugs: readonly string[], field = 'requiredTrainings') {
  const known = new Set((await findTrainingsBySlugs(db, [...slugs])).map((t) => t.slug));
  const index = slugs.findIndex((s) => !known.has(s));
  if (index >= 0) throw badRequest('training_not_found', `${field}.${index}: no training "${slugs[index]}". See the list at GET /api/trainings.`, `${field}.${index}`);
}

/** What reviewers see of an applicant's trainings: every training they hold or held, and each the repository requires. */
export async function trainingsForReview(deps: AppDeps, userId: string, required: readonly string[]) {
  const { standings } = await loadMyTrainings(deps, userId);
  return standings
    .filter((s) => s.state !== 'none' || required.includes(s.training.slug))
    .map((s) => ({ slug: s.training.slug, title: s.training.title, state: s.state, expiresAt: s.current?.expiresAt.toISOString() ?? null, required: required.includes(s.training.slug) }));
}
