import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { repositories } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';
import type { ReportEventAction, ReportStatus } from './misuse.models.ts';
import { misuseReportEvents, misuseReports } from './misuse.tables.ts';

export type ReportRow = typeof misuseReports.$inferSelect;

export async function insertReport(db: Db, input: typeof misuseReports.$inferInsert) {
  const [row] = await db.insert(misuseReports).values(input).returning();
  return row!;
}

export const insertReportEvent = (db: Db, input: { reportId: string; actorId: string | null; action: ReportEventAction; note: string | null; createdAt: Date }) =>
  db.insert(misuseReportEvents).values(input);

export const findReport = async (db: Db, id: string) => (await db.select().from(misuseReports).where(eq(misuseReports.id, id)).limit(1))[0];

/** Locks the report: two moderators' steps on one report queue up instead of crossing. */
export const lockReport = async (db: Db, id: string) => (await db.select().from(misuseReports).where(eq(misuseReports.id, id)).limit(1).for('update'))[0];

export const findReportByTokenHash = async (db: Db, hash: string) => (await db.select().from(misuseReports).where(eq(misuseReports.statusTokenHash, hash)).limit(1))[0];

export async function updateReport(db: Db, id: string, set: { status: ReportStatus; outcome?: string | null; updatedAt: Date }) {
  const [row] = await db.update(misuseReports).set(set).where(eq(misuseReports.id, id)).returning();
  return row!;
}

const withRepo = { report: misuseReports, repo: { type: repositories.type, namespace: repositories.namespace, name: repositories.name } };

export const listReportsOfUser = (db: Db, userId: string) =>
  db.select(withRepo).from(misuseReports).innerJoin(repositories, eq(repositories.id, misuseReports.repoId)).where(eq(misuseReports.reporterId, userId)).orderBy(desc(misuseReports.createdAt)).limit(200);

/** The queue: reports in the given statuses, oldest first (first come, first triaged). */
export const listReportsByStatus = (db: Db, statuses: ReportStatus[]) =>
  db.select(withRepo).from(misuseReports).innerJoin(repositories, eq(repositories.id, misuseReports.repoId)).where(inArray(misuseReports.status, statuses)).orderBy(asc(misuseReports.createdAt)).limit(500);

export const listReportEvents = (db: Db, reportId: string) =>
  db.select({ event: misuseReportEvents, actor: users.username }).from(misuseReportEvents).leftJoin(users, eq(users.id, misuseReportEvents.actorId))
    .where(eq(misuseReportEvents.reportId, reportId)).orderBy(asc(misuseReportEvents.seq));

export const findRepositoryById = async (db: Db, id: string) => (await db.select().from(repositories).where(eq(repositories.id, id)).limit(1))[0];

/** Unblocked moderators, who hear of each new report. */
export const listModerators = (db: Db) =>
  db.select({ id: users.id, email: users.email }).from(users).where(and(sql`'moderator' = any(${users.platformRoles})`, isNull(users.blockedAt)));
