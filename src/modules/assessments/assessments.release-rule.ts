import type { Db } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';
import type { AccessLevel } from '../repos/repos.tables.ts';
import { levelChangeVerdict, type AssessmentVersionFacts } from './assessments.models.ts';
import { listVersions, type AssessmentRow } from './assessments.repository.ts';

/**
 * The release rule at the point where a repository's access level changes. Kept apart from the
 * assessment use cases so that `repos.usecases.ts` can call it without an import cycle.
 */
export const versionFacts = (rows: AssessmentRow[]): AssessmentVersionFacts[] =>
  rows.flatMap((r) => (r.version !== null && r.status !== 'draft' && r.content.accessLevel
    ? [{ version: r.version, status: r.status, arguedLevel: r.content.accessLevel, requiredLevel: r.requiredLevel }]
    : []));

export async function assertLevelChangeAllowed(db: Db, repo: { id: string; type: string; namespace: string; name: string; accessLevel: AccessLevel }, target: AccessLevel, baseUrl: string) {
  const verdict = levelChangeVerdict(repo.accessLevel, target, versionFacts(await listVersions(db, repo.id, null)));
  if (verdict.ok) return;
  const page = `${baseUrl}/${repo.type === 'dataset' ? 'datasets/' : ''}${repo.namespace}/${repo.name}/assessment`;
  const { detail } = verdict;
  const message = {
    assessment_required: `accessLevel: moving ${repo.namespace}/${repo.name} from "${repo.accessLevel}" to "${target}" needs a submitted risk–benefit assessment arguing for "${target}" (or a stricter level). Write and submit one at ${page}, then change the level.`,
    assessment_argues_stricter: `accessLevel: the newest risk–benefit assessment (version ${detail.version}) supports "${detail.arguedLevel}" at the most open, not "${target}". Submit a new version arguing for "${target}" at ${page}, then change the level.`,
    level_below_required: `accessLevel: a platform release reviewer required at least "${detail.requiredLevel}" for this repository; "${target}" is more open. See the rationale on its transparency page, and submit a new assessment version for review at ${page}.`,
  }[verdict.code];
  throw new AppError(verdict.code, 409, message, { field: 'accessLevel', details: { ...detail, from: repo.accessLevel, to: target } });
}
