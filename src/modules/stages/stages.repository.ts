import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { releaseStages, type ReleaseStageRow } from './stages.tables.ts';

export const listStages = (db: Db, repoId: string): Promise<ReleaseStageRow[]> =>
  db.select().from(releaseStages).where(eq(releaseStages.repoId, repoId)).orderBy(asc(releaseStages.position));

export async function replaceStages(db: Db, repoId: string, rows: Array<typeof releaseStages.$inferInsert>) {
  await db.delete(releaseStages).where(eq(releaseStages.repoId, repoId));
  if (rows.length > 0) await db.insert(releaseStages).values(rows);
}
