import { and, asc, desc, eq, gt, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { users } from '../users/users.tables.ts';
import type { UploadStatus } from './trainings.models.ts';
import { trainingAttempts, trainingCertificates, trainingUploadFiles, trainingUploads, trainings } from './trainings.tables.ts';

export type TrainingRow = typeof trainings.$inferSelect;
export type AttemptRow = typeof trainingAttempts.$inferSelect;
export type CertificateRow = typeof trainingCertificates.$inferSelect;
export type UploadRow = typeof trainingUploads.$inferSelect;

// ---- Trainings

export const listTrainings = (db: Db) => db.select().from(trainings).orderBy(asc(trainings.title));

export const findTrainingBySlug = async (db: Db, slug: string) => (await db.select().from(trainings).where(eq(trainings.slug, slug)).limit(1))[0];

export const findTrainingsBySlugs = (db: Db, slugs: string[]) => (slugs.length === 0 ? Promise.resolve([]) : db.select().from(trainings).where(inArray(trainings.slug, slugs)));

/** Inserts unless the slug exists; returns the new row, or undefined when it already existed. */
export async function insertTrainingIfAbsent(db: Db, row: typeof trainings.$inferInsert) {
  const [saved] = await db.insert(trainings).values(row).onConflictDoNothing({ target: trainings.slug }).returning();
  return saved;
}

export async function updateTraining(db: Db, id: string, values: Partial<typeof trainings.$inferInsert>) {
  const [saved] = await db.update(trainings).set(values).where(eq(trainings.id, id)).returning();
  return saved!;
}

// ---- Attempts

export async function insertAttempt(db: Db, row: typeof trainingAttempts.$inferInsert) {
  const [saved] = await db.insert(trainingAttempts).values(row).returning();
  return saved!;
}

export const listAttempts = (db: Db, userId: string, trainingId: string) =>
  db.select().from(trainingAttempts).where(and(eq(trainingAttempts.userId, userId), eq(trainingAttempts.trainingId, trainingId))).orderBy(desc(trainingAttempts.createdAt));

// ---- Certificates

export async function insertCertificate(db: Db, row: typeof trainingCertificates.$inferInsert) {
  const [saved] = await db.insert(trainingCertificates).values(row).returning();
  return saved!;
}

export const listCertificatesOfUser = (db: Db, userId: string) =>
  db.select({ certificate: trainingCertificates, training: { slug: trainings.slug, title: trainings.title } })
    .from(trainingCertificates)
    .innerJoin(trainings, eq(trainings.id, trainingCertificates.trainingId))
    .where(eq(trainingCertificates.userId, userId))
    .orderBy(desc(trainingCertificates.issuedAt));

/** The user's unrevoked certificates for the given trainings (by slug): the gate asks this. */
export const listLiveCertificatesFor = (db: Db, userId: string, slugs: string[]) =>
  slugs.length === 0
    ? Promise.resolve([])
    : db.select({ slug: trainings.slug, expiresAt: trainingCertificates.expiresAt, revokedAt: trainingCertificates.revokedAt })
      .from(trainingCertificates)
      .innerJoin(trainings, eq(trainings.id, trainingCertificates.trainingId))
      .where(and(eq(trainingCertificates.userId, userId), inArray(trainings.slug, slugs), isNull(trainingCertificates.revokedAt)));

/**
 * Certificates ending within the window that have not been warned about, skipping any whose
 * holder already has a later certificate for the same training (they renewed: nothing to warn).
 */
export function listCertificatesToWarn(db: Db, now: Date, until: Date) {
  const later = sql`exists (select 1 from ${trainingCertificates} as newer where newer.user_id = ${trainingCertificates.userId}
    and newer.training_id = ${trainingCertificates.trainingId} and newer.revoked_at is null and newer.expires_at > ${trainingCertificates.expiresAt})`;
  return db.select({ certificate: trainingCertificates, training: { slug: trainings.slug, title: trainings.title, hasCourse: sql<boolean>`jsonb_array_length(${trainings.questions}) > 0` }, user: { id: users.id, email: users.email, username: users.username } })
    .from(trainingCertificates)
    .innerJoin(trainings, eq(trainings.id, trainingCertificates.trainingId))
    .innerJoin(users, eq(users.id, trainingCertificates.userId))
    .where(and(isNull(trainingCertificates.warnedAt), isNull(trainingCertificates.revokedAt), gt(trainingCertificates.expiresAt, now), lte(trainingCertificates.expiresAt, until), sql`not ${later}`))
    .orderBy(asc(trainingCertificates.expiresAt))
    .limit(500);
}

/** Marks the warning sent, once: of two concurrent sweeps only one gets the row back. */
export async function markWarned(db: Db, id: string, at: Date) {
  const [saved] = await db.update(trainingCertificates).set({ warnedAt: at }).where(and(eq(trainingCertificates.id, id), isNull(trainingCertificates.warnedAt))).returning();
  return saved;
}

// ---- Uploads

export async function insertUpload(db: Db, row: typeof trainingUploads.$inferInsert, content: Buffer) {
  const [saved] = await db.insert(trainingUploads).values(row).returning();
  await db.insert(trainingUploadFiles).values({ uploadId: saved!.id, content });
  return saved!;
}

export const findUpload = async (db: Db, id: string) => (await db.select().from(trainingUploads).where(eq(trainingUploads.id, id)).limit(1))[0];

export const findUploadFile = async (db: Db, id: string) => (await db.select().from(trainingUploadFiles).where(eq(trainingUploadFiles.uploadId, id)).limit(1))[0];

/** Decides an upload only if it is still pending: of two concurrent decisions, the second updates nothing. */
export async function decideUpload(db: Db, id: string, values: { status: UploadStatus; reviewedBy: string; reviewedAt: Date; reviewComment: string | null }) {
  const [saved] = await db.update(trainingUploads).set(values).where(and(eq(trainingUploads.id, id), eq(trainingUploads.status, 'pending'))).returning();
  return saved;
}

const uploadWithNames = { upload: trainingUploads, training: { slug: trainings.slug, title: trainings.title, validityDays: trainings.validityDays }, user: { id: users.id, username: users.username, displayName: users.displayName, email: users.email } };

export const listUploadsOfUser = (db: Db, userId: string) =>
  db.select(uploadWithNames).from(trainingUploads)
    .innerJoin(trainings, eq(trainings.id, trainingUploads.trainingId))
    .innerJoin(users, eq(users.id, trainingUploads.userId))
    .where(eq(trainingUploads.userId, userId)).orderBy(desc(trainingUploads.createdAt));

/** Pending uploads, oldest first: the staff's certificate-check queue. */
export const listPendingUploads = (db: Db, limit = 200) =>
  db.select(uploadWithNames).from(trainingUploads)
    .innerJoin(trainings, eq(trainings.id, trainingUploads.trainingId))
    .innerJoin(users, eq(users.id, trainingUploads.userId))
    .where(eq(trainingUploads.status, 'pending')).orderBy(asc(trainingUploads.createdAt)).limit(limit);

export const findUploadWithNames = async (db: Db, id: string) =>
  (await db.select(uploadWithNames).from(trainingUploads)
    .innerJoin(trainings, eq(trainings.id, trainingUploads.trainingId))
    .innerJoin(users, eq(users.id, trainingUploads.userId))
    .where(eq(trainingUploads.id, id)).limit(1))[0];

/** Failed attempts at one course since `since`: the quiz is rate-limited per user. */
export async function countFailedAttemptsSince(db: Db, userId: string, trainingId: string, since: Date) {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(trainingAttempts)
    .where(and(eq(trainingAttempts.userId, userId), eq(trainingAttempts.trainingId, trainingId), eq(trainingAttempts.passed, false), gt(trainingAttempts.createdAt, since)));
  return row?.n ?? 0;
}

/** Slugs of the trainings the user has an upload waiting for staff on. */
export const listPendingUploadSlugs = async (db: Db, userId: string) =>
  new Set((await db.select({ slug: trainings.slug }).from(trainingUploads).innerJoin(trainings, eq(trainings.id, trainingUploads.trainingId))
    .where(and(eq(trainingUploads.userId, userId), eq(trainingUploads.status, 'pending')))).map((r) => r.slug));
