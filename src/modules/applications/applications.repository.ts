import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { preparedFor } from '../../db/prepared.ts';
import { accessRequests } from '../access/access.tables.ts';
import { organizations, orgMembers } from '../orgs/orgs.tables.ts';
import { repositories } from '../repos/repos.tables.ts';
import { namespaces, users } from '../users/users.tables.ts';
import type { ApplicationStatus } from './applications.models.ts';
import { applicationComments, applicationConflicts, applicationEvents, applicationRenewals, applicationVotes, repoAccessPolicies, repoReviewers } from './applications.tables.ts';
import { grants } from '../access/access.tables.ts';

export type ApplicationRow = typeof accessRequests.$inferSelect;
export type PolicyRow = typeof repoAccessPolicies.$inferSelect;
export type EventRow = typeof applicationEvents.$inferSelect;
export type VoteRow = typeof applicationVotes.$inferSelect;

const person = { id: users.id, username: users.username, displayName: users.displayName, email: users.email };

/** A list of uuids as one array parameter: a long list stays one parameter, and one plan. */
export const uuidArray = (ids: string[]) => `{${ids.join(',')}}`;

// ---- Policy and committee

export const findPolicy = async (db: Db, repoId: string) =>
  // Prepared: the download gate asks this on every cold decision.
  (await preparedFor(db, 'find_policy', (d, name) => d.select().from(repoAccessPolicies).where(eq(repoAccessPolicies.repoId, sql.placeholder('repoId'))).limit(1).prepare(name))
    .execute({ repoId }))[0];

export const findPolicies = async (db: Db, repoIds: string[]) =>
  repoIds.length === 0 ? [] : db.select().from(repoAccessPolicies).where(inArray(repoAccessPolicies.repoId, repoIds));

export async function upsertPolicy(db: Db, row: typeof repoAccessPolicies.$inferInsert) {
  const { repoId, ...values } = row;
  const [saved] = await db.insert(repoAccessPolicies).values(row).onConflictDoUpdate({ target: repoAccessPolicies.repoId, set: values }).returning();
  return saved!;
}

export const listReviewers = (db: Db, repoId: string) =>
  db.select({ ...person, addedAt: repoReviewers.createdAt }).from(repoReviewers).innerJoin(users, eq(users.id, repoReviewers.userId)).where(eq(repoReviewers.repoId, repoId)).orderBy(asc(users.username));

export async function insertReviewer(db: Db, row: typeof repoReviewers.$inferInsert) {
  const [saved] = await db.insert(repoReviewers).values(row).onConflictDoNothing().returning();
  return saved;
}

export async function deleteReviewer(db: Db, repoId: string, userId: string) {
  const rows = await db.delete(repoReviewers).where(and(eq(repoReviewers.repoId, repoId), eq(repoReviewers.userId, userId))).returning();
  return rows.length;
}

export const isReviewer = async (db: Db, repoId: string, userId: string) =>
  (await db.select({ id: repoReviewers.userId }).from(repoReviewers).where(and(eq(repoReviewers.repoId, repoId), eq(repoReviewers.userId, userId))).limit(1)).length > 0;

export const listReviewerRepoIds = async (db: Db, userId: string) =>
  (await db.select({ repoId: repoReviewers.repoId }).from(repoReviewers).where(eq(repoReviewers.userId, userId))).map((r) => r.repoId);

/** The publishers of a namespace: its user, or an organisation's admin and write members. */
export async function listPublishers(db: Db, namespace: string) {
  const [ns] = await db.select().from(namespaces).where(eq(namespaces.name, namespace)).limit(1);
  if (!ns) return [];
  if (ns.kind === 'user') return db.select(person).from(users).where(eq(users.username, namespace));
  return db.select(person).from(orgMembers).innerJoin(organizations, eq(organizations.id, orgMembers.orgId)).innerJoin(users, eq(users.id, orgMembers.userId))
    .where(and(eq(organizations.name, namespace), inArray(orgMembers.role, ['admin', 'write'])));
}

/** Namespaces where the user publishes: their own and organisations where they are admin or write. */
export async function listPublisherNamespaces(db: Db, userId: string, username: string) {
  const orgs = await db.select({ name: organizations.name }).from(orgMembers).innerJoin(organizations, eq(organizations.id, orgMembers.orgId))
    .where(and(eq(orgMembers.userId, userId), inArray(orgMembers.role, ['admin', 'write'])));
  return [username, ...orgs.map((o) => o.name)];
}

// ---- Applications

export const findApplication = async (db: Db, id: string) => (await db.select().from(accessRequests).where(eq(accessRequests.id, id)).limit(1))[0];

/** Locks the application row for the rest of the transaction: votes and decisions on it queue up. */
export const lockApplication = async (db: Db, id: string) => (await db.select().from(accessRequests).where(eq(accessRequests.id, id)).limit(1).for('update'))[0];

export const findOpenApplication = async (db: Db, repoId: string, userId: string) =>
  (await db.select().from(accessRequests).where(and(eq(accessRequests.repoId, repoId), eq(accessRequests.userId, userId), inArray(accessRequests.status, ['draft', 'submitted', 'returned']))).limit(1))[0];

/** Inserts an application; undefined when the user already has an open one (the one-open index). */
export async function insertApplication(db: Db, row: typeof accessRequests.$inferInsert) {
  const [saved] = await db.insert(accessRequests).values(row).onConflictDoNothing().returning();
  return saved;
}

/** Updates only if the application is still in `expected`: of two concurrent changes one wins. */
export async function updateApplicationIf(db: Db, id: string, expected: ApplicationStatus, values: Partial<typeof accessRequests.$inferInsert>) {
  const [saved] = await db.update(accessRequests).set(values).where(and(eq(accessRequests.id, id), eq(accessRequests.status, expected))).returning();
  return saved;
}

export const listApplicationsOfUser = (db: Db, userId: string) =>
  db.select({ application: accessRequests, repo: { type: repositories.type, namespace: repositories.namespace, name: repositories.name } })
    .from(accessRequests).innerJoin(repositories, eq(repositories.id, accessRequests.repoId))
    .where(eq(accessRequests.userId, userId)).orderBy(desc(accessRequests.createdAt), desc(accessRequests.updatedAt));

/**
 * A page of the submitted applications, other than the reviewer's own, on the given repositories
 * and on every repository of the given namespaces: the oldest `limit` after the cursor. The page is
 * chosen from the queue's partial index alone (`access_requests_queue_idx`), and only its rows are
 * read and joined.
 */
export async function listQueueCandidates(db: Db, options: { repoIds: string[]; namespaces: string[]; excludeUserId: string; limit: number; after?: { submittedAt: Date; id: string } }) {
  const inNamespaces = options.namespaces.length
    ? (await db.select({ id: repositories.id }).from(repositories).where(inArray(repositories.namespace, options.namespaces))).map((r) => r.id)
    : [];
  const repoIds = [...new Set([...options.repoIds, ...inNamespaces])];
  if (repoIds.length === 0) return [];
  // One array parameter, however many repositories an organisation has (a list would be one parameter each).
  const page = db.select({ id: accessRequests.id }).from(accessRequests)
    .where(and(
      eq(accessRequests.status, 'submitted'), ne(accessRequests.userId, options.excludeUserId), sql`${accessRequests.repoId} = any(${uuidArray(repoIds)}::uuid[])`,
      options.after ? sql`(${accessRequests.submittedAt}, ${accessRequests.id}) > (${options.after.submittedAt.toISOString()}::timestamptz, ${options.after.id}::uuid)` : undefined,
    ))
    .orderBy(asc(accessRequests.submittedAt), asc(accessRequests.id)).limit(options.limit);
  // Only what the queue shows and its policy needs: a page of full rows took longer to decode than to find.
  const application = { id: accessRequests.id, userId: accessRequests.userId, repoId: accessRequests.repoId, purpose: accessRequests.purpose, round: accessRequests.round, submittedAt: accessRequests.submittedAt };
  return db.select({ application, repo: { id: repositories.id, type: repositories.type, namespace: repositories.namespace, name: repositories.name }, applicant: { username: users.username, displayName: users.displayName } })
    .from(accessRequests).innerJoin(repositories, eq(repositories.id, accessRequests.repoId)).innerJoin(users, eq(users.id, accessRequests.userId))
    .where(inArray(accessRequests.id, page))
    .orderBy(asc(accessRequests.submittedAt), asc(accessRequests.id));
}

// ---- Events, votes, conflicts, comments

export const insertEvent = (db: Db, row: typeof applicationEvents.$inferInsert) => db.insert(applicationEvents).values(row);

export const listEvents = (db: Db, applicationIds: string[]) =>
  applicationIds.length === 0 ? Promise.resolve([]) :
    db.select({ event: applicationEvents, actor: { username: users.username } }).from(applicationEvents).leftJoin(users, eq(users.id, applicationEvents.actorUserId))
      .where(inArray(applicationEvents.applicationId, applicationIds)).orderBy(asc(applicationEvents.seq));

/** Records a vote; undefined when the reviewer already voted in this round. */
export async function insertVote(db: Db, row: typeof applicationVotes.$inferInsert) {
  const [saved] = await db.insert(applicationVotes).values(row).onConflictDoNothing().returning();
  return saved;
}

export const listVotes = (db: Db, applicationId: string) =>
  db.select({ vote: applicationVotes, reviewer: { username: users.username } }).from(applicationVotes).innerJoin(users, eq(users.id, applicationVotes.reviewerId))
    .where(eq(applicationVotes.applicationId, applicationId)).orderBy(asc(applicationVotes.round), asc(applicationVotes.createdAt));

export async function insertConflict(db: Db, row: typeof applicationConflicts.$inferInsert) {
  const [saved] = await db.insert(applicationConflicts).values(row).onConflictDoNothing().returning();
  return saved;
}

/** `applicationId:round` of every vote the reviewer cast on the given applications. */
export const listVotedRoundsOfReviewer = async (db: Db, reviewerId: string, applicationIds: string[]) =>
  applicationIds.length === 0 ? new Set<string>() :
    new Set((await db.select({ id: applicationVotes.applicationId, round: applicationVotes.round }).from(applicationVotes)
      .where(and(eq(applicationVotes.reviewerId, reviewerId), sql`${applicationVotes.applicationId} = any(${uuidArray(applicationIds)}::uuid[])`))).map((r) => `${r.id}:${r.round}`));

export const listConflicts = (db: Db, applicationId: string) =>
  db.select({ conflict: applicationConflicts, reviewer: { username: users.username } }).from(applicationConflicts).innerJoin(users, eq(users.id, applicationConflicts.reviewerId))
    .where(eq(applicationConflicts.applicationId, applicationId));

export const listConflictsOfReviewer = async (db: Db, reviewerId: string, applicationIds: string[]) =>
  applicationIds.length === 0 ? new Set<string>() :
    new Set((await db.select({ id: applicationConflicts.applicationId }).from(applicationConflicts)
      .where(and(eq(applicationConflicts.reviewerId, reviewerId), sql`${applicationConflicts.applicationId} = any(${uuidArray(applicationIds)}::uuid[])`))).map((r) => r.id));

export const insertComment = async (db: Db, row: typeof applicationComments.$inferInsert) => (await db.insert(applicationComments).values(row).returning())[0]!;

export const listComments = (db: Db, applicationId: string) =>
  db.select({ comment: applicationComments, author: { username: users.username } }).from(applicationComments).innerJoin(users, eq(users.id, applicationComments.authorId))
    .where(eq(applicationComments.applicationId, applicationId)).orderBy(asc(applicationComments.createdAt));

export const findRepositoryById = async (db: Db, id: string) => (await db.select().from(repositories).where(eq(repositories.id, id)).limit(1))[0];

export const hasConflict = async (db: Db, applicationId: string, reviewerId: string) =>
  (await db.select({ id: applicationConflicts.reviewerId }).from(applicationConflicts).where(and(eq(applicationConflicts.applicationId, applicationId), eq(applicationConflicts.reviewerId, reviewerId))).limit(1)).length > 0;

/** The grant a renewal application would extend, if the application is a renewal. */
export const findRenewedGrant = async (db: Db, applicationId: string) =>
  (await db.select({ id: grants.id, endsAt: grants.endsAt, revokedAt: grants.revokedAt }).from(applicationRenewals).innerJoin(grants, eq(grants.id, applicationRenewals.grantId))
    .where(eq(applicationRenewals.applicationId, applicationId)).limit(1))[0];
