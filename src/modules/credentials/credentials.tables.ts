import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../users/users.tables.ts';
import { CREDENTIAL_ROLES, CREDENTIAL_STATUSES, RESEARCHER_CATEGORIES, type ProfileSnapshot } from './credentials.models.ts';

/** Who a researcher is. Fields may be empty while it is being filled in; submitting needs them all. */
export const researcherProfiles = pgTable('researcher_profiles', {
  userId: uuid('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  fullName: text('full_name'),
  institution: text('institution'),
  jobTitle: text('job_title'),
  category: text('category', { enum: RESEARCHER_CATEGORIES }),
  /** ISO 3166-1 alpha-2. */
  country: text('country'),
  /** The bare iD, checksum verified: `0000-0002-1825-0097`. */
  orcid: text('orcid'),
  website: text('website'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/**
 * A credential application. At most one per user is open (draft, in review) or approved at a
 * time; after a rejection or a revocation the user may start a new one, and the old stays.
 */
export const credentialApplications = pgTable(
  'credential_applications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'restrict' }),
    status: text('status', { enum: CREDENTIAL_STATUSES }).notNull(),
    researchSummary: text('research_summary'),
    referenceName: text('reference_name'),
    referenceEmail: text('reference_email'),
    referenceRelationship: text('reference_relationship'),
    /** The profile as submitted; staff review this, not the live profile. */
    profileSnapshot: jsonb('profile_snapshot').$type<ProfileSnapshot>(),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    identityCheckedAt: timestamp('identity_checked_at', { withTimezone: true }),
    identityCheckedBy: uuid('identity_checked_by').references(() => users.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decidedBy: uuid('decided_by').references(() => users.id),
    /** The approval comment or the rejection reason; shown to the applicant. */
    decisionComment: text('decision_comment'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedBy: uuid('revoked_by').references(() => users.id),
    revokeReason: text('revoke_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('credential_applications_one_open_idx').on(t.userId).where(sql`status in ('draft', 'submitted', 'returned', 'approved')`),
    index('credential_applications_queue_idx').on(t.status, t.submittedAt),
    index('credential_applications_user_idx').on(t.userId, t.createdAt),
  ],
);

/**
 * One request to a reference to vouch for an applicant. The link's token is mailed and never
 * stored: only its sha256 is, so the database cannot answer for the reference.
 */
export const credentialReferences = pgTable(
  'credential_references',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    applicationId: uuid('application_id').notNull().references(() => credentialApplications.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    email: text('email').notNull(),
    relationship: text('relationship').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    response: text('response', { enum: ['confirm', 'decline'] }),
    /** For credentialing staff only. */
    note: text('note'),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
    /** Set when a resubmission asked someone else (or asked again): this link stops working. */
    supersededAt: timestamp('superseded_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('credential_references_token_idx').on(t.tokenHash), index('credential_references_application_idx').on(t.applicationId, t.createdAt)],
);

/** Every transition of an application, in order. The applicant sees all of them; `internal` comments only staff. */
export const credentialEvents = pgTable(
  'credential_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    applicationId: uuid('application_id').notNull().references(() => credentialApplications.id, { onDelete: 'cascade' }),
    /** Null when the reference acted: they have no account. */
    actorUserId: uuid('actor_user_id').references(() => users.id),
    actorRole: text('actor_role', { enum: CREDENTIAL_ROLES }).notNull(),
    action: text('action').notNull(),
    comment: text('comment'),
    internal: boolean('internal').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('credential_events_application_idx').on(t.applicationId, t.seq)],
);
