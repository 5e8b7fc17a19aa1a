import type { Db } from '../../db/client.ts';
import { standingOf } from '../assessments/assessments.models.ts';
import { versionFacts } from '../assessments/assessments.release-rule.ts';
import { listVersions } from '../assessments/assessments.repository.ts';
import type { Condition } from '../conditions/conditions.models.ts';

/**
 * A moderator restricts a repository to a stricter level than its publisher chose through the
 * release review ("require a stricter level" on an assessment version), which already raises the
 * level and keeps it as a floor. This states that floor as a platform condition for the repository
 * page, worded as the transparency page words it.
 */
export async function platformRestriction(db: Db, repoId: string): Promise<Condition | null> {
  const versions = await listVersions(db, repoId, null);
  const { floor } = standingOf(versionFacts(versions));
  if (!floor) return null;
  const decision = versions.find((v) => v.status === 'stricter-level-required' && v.requiredLevel === floor);
  return { source: 'platform', text: `Platform release review requires at least the "${floor}" access level${decision ? ` (assessment version ${decision.version})` : ''}.` };
}
