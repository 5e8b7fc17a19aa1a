import { and, asc, desc, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { users } from '../users/users.tables.ts';
import type { CredentialStatus } from './credentials.models.ts';
import { credentialApplications, credentialEvents, credentialReferences, researcherProfiles } from './credentials.tables.ts';

export type ProfileRow = typeof researcherProfiles.$inferSelect;
export type ApplicationRow = typeof credentialApplications.$inferSelect;
export type ReferenceRow = typeof credentialReferences.$inferSelect;
export type EventRow = typeof credentialEvents.$inferSelect;

// ---- Profiles

export const findProfile = async (db: Db, userId: string) =>
  (await db.select().from(researcherProfiles).where(eq(researcherProfiles.userId, userId)).limit(1))[0];

export async function upsertProfile(db: Db, row: typeof researcherProfiles.$inferInsert) {
  const { userId, ...values } = row;
  const [saved] = await db.insert(researcherProfiles).values(row).onConflictDoUpdate({ target: researcherProfiles.userId, set: values }).returning();
  return saved!;
}

// ---- Applications

/** The one open-or-approved application first (the index allows one), else the newest closed one. */
const currentFirst = [sql`case when ${credentialApplications.status} in ('rejected', 'revoked') then 1 else 0 end`, desc(credentialApplications.createdAt)];

/** The user's current application: open or approved, else the newest closed one, if any. */
export const findLatestApplication = async (db: Db, userId: string) =>
  (await db.select().from(credentialApplications).where(eq(credentialApplications.userId, userId)).orderBy(...currentFirst).limit(1))[0];

/** Locks the user's current application for the rest of the transaction, so changes to it queue up. */
export const lockLatestApplication = async (db: Db, userId: string) =>
  (await db.select().from(credentialApplications).where(eq(credentialApplications.userId, userId)).orderBy(...currentFirst).limit(1).for('update'))[0];

export const findApplication = async (db: Db, id: string) =>
  (await db.select().from(credentialApplications).where(eq(credentialApplications.id, id)).limit(1))[0];

export const lockApplication = async (db: Db, id: string) =>
  (await db.select().from(credentialApplications).where(eq(credentialApplications.id, id)).limit(1).for('update'))[0];

export async function insertApplication(db: Db, row: typeof credentialApplications.$inferInsert) {
  const [saved] = await db.insert(credentialApplications).values(row).onConflictDoNothing().returning();
  return saved;
}

/**
 * Moves an application on only if it is still in the status the caller decided from: of two
 * concurrent decisions, the second updates nothing and is refused.
 */
export async function updateApplicationIf(db: Db, id: string, expected: CredentialStatus, values: Partial<typeof credentialApplications.$inferInsert>) {
  const [saved] = await db.update(credentialApplications).set(values).where(and(eq(credentialApplications.id, id), eq(credentialApplications.status, expected))).returning();
  return saved;
}

export const listApplicationsOfUser = (db: Db, userId: string) =>
  db.select().from(credentialApplications).where(eq(credentialApplications.userId, userId)).orderBy(desc(credentialApplications.createdAt));

/** Submitted applications, oldest submission first, with the applicant and the current reference request. */
export function listQueue(db: Db, limit: number) {
  return db
    .select({ application: credentialApplications, applicant: { id: users.id, username: users.username }, reference: credentialReferences })
    .from(credentialApplications)
    .innerJoin(users, eq(users.id, credentialApplications.userId))
    .leftJoin(credentialReferences, and(eq(credentialReferences.applicationId, credentialApplications.id), isNull(credentialReferences.supersededAt)))
    .where(eq(credentialApplications.status, 'submitted'))
    .orderBy(asc(credentialApplications.submittedAt), asc(credentialApplications.id))
    .limit(limit);
}

/** The newest approved-or-revoked state of a user's credential: the gate asks this. */
export const findCredentialState = async (db: Db, userId: string) =>
  (await db
    .select({ status: credentialApplications.status, decidedAt: credentialApplications.decidedAt, revokedAt: credentialApplications.revokedAt })
    .from(credentialApplications)
    .where(and(eq(credentialApplications.userId, userId), sql`${credentialApplications.status} in ('approved', 'revoked')`))
    .orderBy(desc(credentialApplications.decidedAt))
    .limit(1))[0];

// ---- References

/** The request that is current for the application (at most one is not superseded). */
export const findCurrentReference = async (db: Db, applicationId: string) =>
  (await db.select().from(credentialReferences).where(and(eq(credentialReferences.applicationId, applicationId), isNull(credentialReferences.supersededAt))).orderBy(desc(credentialReferences.createdAt)).limit(1))[0];

export const lockReferenceByTokenHash = async (db: Db, tokenHash: string) =>
  (await db.select().from(credentialReferences).where(eq(credentialReferences.tokenHash, tokenHash)).limit(1).for('update'))[0];

export const findReferenceByTokenHash = async (db: Db, tokenHash: string) =>
  (await db.select().from(credentialReferences).where(eq(credentialReferences.tokenHash, tokenHash)).limit(1))[0];

export async function insertReference(db: Db, row: typeof credentialReferences.$inferInsert) {
  const [saved] = await db.insert(credentialReferences).values(row).returning();
  return saved!;
}

export const supersedeReferences = (db: Db, applicationId: string, at: Date) =>
  db.update(credentialReferences).set({ supersededAt: at }).where(and(eq(credentialReferences.applicationId, applicationId), isNull(credentialReferences.supersededAt)));

/** Records the answer once: a second answer on the same link updates nothing. */
export async function recordReferenceResponse(db: Db, id: string, values: { response: 'confirm' | 'decline'; note: string | null; respondedAt: Date }) {
  const [saved] = await db.update(credentialReferences).set(values).where(and(eq(credentialReferences.id, id), isNull(credentialReferences.response))).returning();
  return saved;
}

// ---- Events

export const insertEvent = (db: Db, row: typeof credentialEvents.$inferInsert) => db.insert(credentialEvents).values(row);

export const listEvents = (db: Db, applicationId: string) =>
  db
    .select({ event: credentialEvents, actor: { username: users.username } })
    .from(credentialEvents)
    .leftJoin(users, eq(users.id, credentialEvents.actorUserId))
    .where(eq(credentialEvents.applicationId, applicationId))
    .orderBy(asc(credentialEvents.seq));

// ---- Staff to notify

/** Unblocked holders of a platform role (other than `exceptUserId`), to mail about new work. */
export const listUsersWithPlatformRole = (db: Db, role: string, exceptUserId: string) =>
  db
    .select({ id: users.id, email: users.email, username: users.username })
    .from(users)
    .where(and(sql`${role} = any(${users.platformRoles})`, isNull(users.blockedAt), ne(users.id, exceptUserId)));
