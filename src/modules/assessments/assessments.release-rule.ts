import type { Db } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';
import type { AccessLevel } from '../repos/repos.tables.ts';
import { isStricter, levelChangeVerdict, standingOf, type AssessmentVersionFacts, type LevelVerdict } from './assessments.models.ts';
import { listVersions, type AssessmentRow } from './assessments.repository.ts';

/**
 * The release rule at the point where a repository's access level changes. Kept apart from the
 * assessment use cases so that `repos.usecases.ts` can call it without an import cycle.
 */
export const versionFacts = (rows: AssessmentRow[]): AssessmentVersionFacts[] =>
  rows.flatMap((r) => (r.version !== null && r.status !== 'draft' && r.content.accessLevel
    ? [{ version: r.version, status: r.status, arguedLevel: r.content.accessLevel, requiredLevel: r.requiredLevel }]
    : []));

/**
 * Refuses moving `repo` (or one release stage of it, at `stage`) from its level to `target` unless
 * the release rule allows it. A stage is judged by its own assessment when it has one and by the
 * repository's otherwise; a level a moderator required of the repository binds every stage.
 */
export async function assertLevelChangeAllowed(db: Db, repo: { id: string; type: string; namespace: string; name: string; accessLevel: AccessLevel }, target: AccessLevel, baseUrl: string, stage: string | null = null) {
  const repoVersions = versionFacts(await listVersions(db, repo.id, null));
  const stageVersions = stage === null ? [] : versionFacts(await listVersions(db, repo.id, stage));
  const judgedBy = stageVersions.length > 0 ? stageVersions : repoVersions;
  const repoFloor = stageVersions.length > 0 ? standingOf(repoVersions).floor : null;
  const verdict: LevelVerdict = repoFloor && isStricter(repoFloor, target)
    ? { ok: false, code: 'level_below_required', detail: { requiredLevel: repoFloor } }
    : levelChangeVerdict(repo.accessLevel, target, judgedBy);
  if (verdict.ok) return;
  const page = `${baseUrl}/${repo.type === 'dataset' ? 'datasets/' : ''}${repo.namespace}/${repo.name}/assessment${stage !== null ? `?stage=${encodeURIComponent(stage)}` : ''}`;
  const subject = stage === null ? `${repo.namespace}/${repo.name}` : `the stage "${stage}" of ${repo.namespace}/${repo.name}`;
  const { detail } = verdict;
  const message = {
    assessment_required: `accessLevel: ${stage === null ? `moving ${subject} from "${repo.accessLevel}" to "${target}"` : `releasing ${subject} at "${target}" (the repository is "${repo.accessLevel}")`} needs a submitted risk–benefit assessment arguing for "${target}" (or a stricter level). Write and submit one at ${page}, then change the level.`,
    assessment_argues_stricter: `accessLevel: the newest risk–benefit assessment of ${subject} (version ${detail.version}) supports "${detail.arguedLevel}" at the most open, not "${target}". Submit a new version arguing for "${target}" at ${page}, then change the level.`,
    level_below_required: `accessLevel: a platform release reviewer required at least "${detail.requiredLevel}" for ${subject}; "${target}" is more open. See the rationale on its transparency page, and submit a new assessment version for review at ${page}.`,
  }[verdict.code];
  throw new AppError(verdict.code, 409, message, { field: 'accessLevel', details: { ...detail, from: repo.accessLevel, to: target, ...(stage !== null ? { stage } : {}) } });
}
