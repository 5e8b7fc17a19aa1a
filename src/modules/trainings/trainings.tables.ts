import { customType, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../users/users.tables.ts';
import { CERTIFICATE_SOURCES, UPLOAD_STATUSES, type CourseModule, type QuizQuestion } from './trainings.models.ts';

/** Raw bytes (`bytea`): PGlite hands back a Uint8Array, node-postgres a Buffer; both become a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value),
  toDriver: (value) => value,
});

/**
 * A training type, named by its slug (what access policies require). It may carry a built-in
 * course (modules and a quiz), accept external certificates, or both. Its validity period
 * applies to every certificate it issues.
 */
export const trainings = pgTable(
  'trainings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    summary: text('summary').notNull(),
    validityDays: integer('validity_days').notNull(),
    /** Percentage of correct answers needed to pass. */
    passMark: integer('pass_mark').notNull(),
    modules: jsonb('modules').$type<CourseModule[]>().notNull(),
    questions: jsonb('questions').$type<QuizQuestion[]>().notNull(),
    externalAccepted: boolean('external_accepted').notNull().default(false),
    /** What document we expect (course name, provider, which page), shown on the upload form. */
    externalInstructions: text('external_instructions'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('trainings_slug_idx').on(t.slug)],
);

/** Every quiz attempt, passed or not, with the answers given. */
export const trainingAttempts = pgTable(
  'training_attempts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    trainingId: uuid('training_id').notNull().references(() => trainings.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    answers: jsonb('answers').$type<Record<string, number>>().notNull(),
    score: integer('score').notNull(),
    total: integer('total').notNull(),
    passed: boolean('passed').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('training_attempts_user_idx').on(t.userId, t.trainingId, t.createdAt)],
);

/** An external certificate (a PDF) waiting for, or decided by, credentialing staff. */
export const trainingUploads = pgTable(
  'training_uploads',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    trainingId: uuid('training_id').notNull().references(() => trainings.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    fileName: text('file_name').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    /** The completion date printed on the certificate; the validity period counts from it. */
    completedOn: timestamp('completed_on', { withTimezone: true }).notNull(),
    status: text('status', { enum: UPLOAD_STATUSES }).notNull(),
    reviewedBy: uuid('reviewed_by').references(() => users.id),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    /** Shown to the user: why it was rejected, or a note on acceptance. */
    reviewComment: text('review_comment'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('training_uploads_queue_idx').on(t.status, t.createdAt), index('training_uploads_user_idx').on(t.userId, t.createdAt)],
);

/** The PDF itself, apart from its row so listings never load it. */
export const trainingUploadFiles = pgTable('training_upload_files', {
  uploadId: uuid('upload_id').primaryKey().references(() => trainingUploads.id, { onDelete: 'cascade' }),
  content: bytea('content').notNull(),
});

/** Proof that a user completed a training, valid until `expiresAt`. */
export const trainingCertificates = pgTable(
  'training_certificates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    trainingId: uuid('training_id').notNull().references(() => trainings.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    source: text('source', { enum: CERTIFICATE_SOURCES }).notNull(),
    attemptId: uuid('attempt_id').references(() => trainingAttempts.id),
    uploadId: uuid('upload_id').references(() => trainingUploads.id),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** Set once the expiry warning went out, so the sweep warns only once per certificate. */
    warnedAt: timestamp('warned_at', { withTimezone: true }),
  },
  (t) => [index('training_certificates_user_idx').on(t.userId, t.trainingId, t.expiresAt), index('training_certificates_expiry_idx').on(t.expiresAt)],
);
