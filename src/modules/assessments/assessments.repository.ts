import { and, asc, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { repositories } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';
import { riskAssessments } from './assessments.tables.ts';

export type AssessmentRow = typeof riskAssessments.$inferSelect;

/** Stages are null for the whole repository; `is null` is not `= null` in SQL. */
const stageIs = (stage: string | null) => (stage === null ? isNull(riskAssessments.stage) : eq(riskAssessments.stage, stage));

export const findDraft = async (db: Db, repoId: string, stage: string | null) =>
  (await db.select().from(riskAssessments).where(and(eq(riskAssessments.repoId, repoId), stageIs(stage), eq(riskAssessments.status, 'draft'))).limit(1))[0];

/** Locks the draft row, so two concurrent submissions cannot both number it. */
export const lockDraft = async (db: Db, repoId: string, stage: string | null) =>
  (await db.select().from(riskAssessments).where(and(eq(riskAssessments.repoId, repoId), stageIs(stage), eq(riskAssessments.status, 'draft'))).limit(1).for('update'))[0];

export async function insertAssessment(db: Db, input: typeof riskAssessments.$inferInsert) {
  const [row] = await db.insert(riskAssessments).values(input).returning();
  return row!;
}

/**
 * Inserts a draft unless one already exists for the repository and stage (the one-draft unique
 * index): undefined then, so the caller saves over the draft a concurrent request just created.
 */
export async function insertDraftIfAbsent(db: Db, input: typeof riskAssessments.$inferInsert) {
  const [row] = await db.insert(riskAssessments).values(input).onConflictDoNothing().returning();
  return row;
}

export async function updateAssessment(db: Db, id: string, set: Partial<typeof riskAssessments.$inferInsert>) {
  const [row] = await db.update(riskAssessments).set({ ...set, updatedAt: new Date() }).where(eq(riskAssessments.id, id)).returning();
  return row!;
}

/** Submitted versions (never drafts), newest first. */
export const listVersions = (db: Db, repoId: string, stage: string | null) =>
  db.select().from(riskAssessments).where(and(eq(riskAssessments.repoId, repoId), stageIs(stage), isNotNull(riskAssessments.version))).orderBy(desc(riskAssessments.version));

/** The names of the release stages that have an assessment (a draft or versions), in name order. */
export const listAssessedStages = async (db: Db, repoId: string): Promise<string[]> =>
  (await db.selectDistinct({ stage: riskAssessments.stage }).from(riskAssessments).where(and(eq(riskAssessments.repoId, repoId), isNotNull(riskAssessments.stage))).orderBy(asc(riskAssessments.stage)))
    .map((r) => r.stage!);

/** Submitted versions of every release stage of a repository (never drafts), by stage, newest first. */
export const listStageVersions = (db: Db, repoId: string) =>
  db.select().from(riskAssessments).where(and(eq(riskAssessments.repoId, repoId), isNotNull(riskAssessments.stage), isNotNull(riskAssessments.version))).orderBy(asc(riskAssessments.stage), desc(riskAssessments.version));

export const findVersion = async (db: Db, repoId: string, stage: string | null, version: number) =>
  (await db.select().from(riskAssessments).where(and(eq(riskAssessments.repoId, repoId), stageIs(stage), eq(riskAssessments.version, version))).limit(1))[0];

export const lockVersion = async (db: Db, repoId: string, stage: string | null, version: number) =>
  (await db.select().from(riskAssessments).where(and(eq(riskAssessments.repoId, repoId), stageIs(stage), eq(riskAssessments.version, version))).limit(1).for('update'))[0];

export async function nextVersionNumber(db: Db, repoId: string, stage: string | null): Promise<number> {
  const [row] = await db.select({ max: sql<number | null>`max(${riskAssessments.version})` }).from(riskAssessments).where(and(eq(riskAssessments.repoId, repoId), stageIs(stage)));
  return (row?.max ?? 0) + 1;
}

/** Older versions still waiting for a decision; a newer submission supersedes them. */
export const supersedeWaiting = (db: Db, repoId: string, stage: string | null, exceptId: string) =>
  db.update(riskAssessments).set({ status: 'superseded', updatedAt: new Date() })
    .where(and(eq(riskAssessments.repoId, repoId), stageIs(stage), eq(riskAssessments.status, 'submitted'), sql`${riskAssessments.id} <> ${exceptId}`));

/** The moderators' queue: every version waiting for a decision, oldest first, with its repository. */
export const listWaiting = (db: Db) =>
  db.select({ assessment: riskAssessments, repo: repositories }).from(riskAssessments)
    .innerJoin(repositories, eq(repositories.id, riskAssessments.repoId))
    .where(eq(riskAssessments.status, 'submitted')).orderBy(asc(riskAssessments.submittedAt));

export async function usernamesOf(db: Db, ids: (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db.select({ id: users.id, username: users.username }).from(users).where(inArray(users.id, wanted));
  return new Map(rows.map((r) => [r.id, r.username]));
}
