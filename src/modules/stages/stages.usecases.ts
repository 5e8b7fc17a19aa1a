import type { AppDeps } from '../../app/deps.ts';
import { AppError, badRequest } from '../../lib/errors.ts';
import { assertLevelChangeAllowed } from '../assessments/assessments.release-rule.ts';
import { parseInput } from '../../lib/validation.ts';
import { actorTokenId, actorUserId, type Actor } from '../access/actor.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { listRevisionFiles, type RepositoryRow } from '../repos/repos.repository.ts';
import { resolveRevision } from '../repos/repos.usecases.ts';
import { globMatches } from './stages.models.ts';
import { replaceStages } from './stages.repository.ts';
import { scheduleSchema } from './stages.schemas.ts';
import { releaseStages, type ReleaseStageRow } from './stages.tables.ts';

/**
 * Replaces the repository's release schedule. Refused, naming the field, when an embargo date has
 * passed, a glob matches no file on `main` (almost always a typo that would leave files at the
 * repository's level), a revision does not exist, or a stage's level is not backed by a
 * risk–benefit assessment as the release rule requires. Audited in the same transaction.
 */
export async function saveSchedule(deps: AppDeps, actor: Actor, repo: RepositoryRow, input: unknown, audit: AuditContext = {}) {
  const { stages } = parseInput(scheduleSchema, input);
  const now = deps.clock.now();
  const main = await resolveRevision(deps.db, repo, 'main').catch(() => null);
  const paths = main ? (await listRevisionFiles(deps.db, main.id)).map((f) => f.path) : [];
  const names = new Set<string>();
  const rows: Array<typeof releaseStages.$inferInsert> = [];
  for (const [i, stage] of stages.entries()) {
    if (names.has(stage.name.toLowerCase())) throw badRequest('invalid_input', `stages.${i}.name: another stage is already called "${stage.name}".`, `stages.${i}.name`);
    names.add(stage.name.toLowerCase());
    if (stage.embargoUntil && stage.embargoUntil.getTime() <= now.getTime()) {
      throw badRequest('invalid_input', `stages.${i}.embargoUntil: ${stage.embargoUntil.toISOString()} has already passed. Give a future date, or leave the embargo out.`, `stages.${i}.embargoUntil`);
    }
    for (const [j, glob] of stage.paths.entries()) {
      if (!paths.some((p) => globMatches(glob, p))) {
        throw badRequest('invalid_input', `stages.${i}.paths.${j}: "${glob}" matches no file on main. Upload the files first, or fix the pattern (globs such as "weights/*.safetensors" match from the repository root).`, `stages.${i}.paths.${j}`);
      }
    }
    // The release rule of risk–benefit assessments applies to a stage as to the repository: a
    // stage released at another level than the repository's is a release at that level.
    if (stage.accessLevel !== repo.accessLevel) {
      await assertLevelChangeAllowed(deps.db, repo, stage.accessLevel, deps.config.baseUrl, stage.name).catch((error: unknown) => {
        if (!(error instanceof AppError)) throw error;
        throw new AppError(error.code, error.status, `stages.${i}.${error.message}`, { field: `stages.${i}.accessLevel`, details: error.details });
      });
    }
    const revisionCommit = stage.revision ? (await resolveRevision(deps.db, repo, stage.revision, `stages.${i}.revision`)).id : null;
    rows.push({ repoId: repo.id, position: i, name: stage.name, paths: stage.paths, revision: stage.revision ?? null, revisionCommit, accessLevel: stage.accessLevel, embargoUntil: stage.embargoUntil ?? null, createdBy: actorUserId(actor)!, createdAt: now });
  }
  await deps.db.transaction(async (tx) => {
    await replaceStages(tx, repo.id, rows);
    await recordAuditEvent(tx, {
      action: 'release.schedule_changed', actorUserId: actorUserId(actor), actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip,
      details: { stages: rows.map((r) => ({ name: r.name, paths: r.paths, revision: r.revision, accessLevel: r.accessLevel, embargoUntil: r.embargoUntil?.toISOString() ?? null })) },
    });
  });
}

export const presentStage = (stage: ReleaseStageRow, now: Date) => ({
  name: stage.name,
  paths: stage.paths,
  revision: stage.revision,
  revisionCommit: stage.revisionCommit,
  accessLevel: stage.accessLevel,
  embargoUntil: stage.embargoUntil?.toISOString() ?? null,
  embargoed: stage.embargoUntil !== null && stage.embargoUntil.getTime() > now.getTime(),
});
