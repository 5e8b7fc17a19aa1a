import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { releaseStages, type ReleaseStageRow } from './stages.tables.ts';

export const listStages = (db: Db, repoId: string): Promise<ReleaseStageRow[]> =>
  db.select().from(releaseStages).where(eq(releaseStages.repoId, repoId)).orderBy(asc(releaseStages.position));

export async function replaceStages(db: Db, repoId: string, rows: Array<typeof releaseStages.$inferInsert>) {
  await db.delete(releaseStages).where(eq(releaseStages.repoId, repoId));
  if (rows.length > 0) await db.insert(releaseStages).values(rows);
}

/** The stage of `repoId` called `name` (as the schedule spells it), locked for an update. */
export const lockStageByName = async (db: Db, repoId: string, name: string): Promise<ReleaseStageRow | undefined> =>
  (await db.select().from(releaseStages).where(and(eq(releaseStages.repoId, repoId), eq(releaseStages.name, name))).limit(1).for('update'))[0];

export async function setStageLevel(db: Db, stageId: string, accessLevel: ReleaseStageRow['accessLevel']) {
  await db.update(releaseStages).set({ accessLevel }).where(eq(releaseStages.id, stageId));
}
