import type { AppDeps } from '../../app/deps.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import type { AccessLevel } from '../repos/repos.tables.ts';
import { groupBySource } from '../conditions/conditions.models.ts';
import { conditionsFor } from '../conditions/conditions.usecases.ts';
import { findUserById } from '../users/users.repository.ts';
import { standingOf } from './assessments.models.ts';
import { versionFacts } from './assessments.release-rule.ts';
import { loadAssessments } from './assessments.usecases.ts';
import { listStageVersions, usernamesOf } from './assessments.repository.ts';
import { presentVersion } from './assessments.presenters.ts';
import { countActiveGrants, countApplications, countDownloads, listGovernanceEvents, medianDecisionHours } from './transparency.repository.ts';

export type Transparency = Awaited<ReturnType<typeof loadTransparency>>;

const levelOf = (value: unknown): AccessLevel | null => (typeof value === 'string' ? (value as AccessLevel) : null);

/**
 * Everything the transparency page publishes about one repository. The caller must have checked
 * `repo.view`: a private repository's counts are its members' business.
 */
export async function loadTransparency(deps: AppDeps, repo: RepositoryRow, repoPath: string) {
  const { versions, names } = await loadAssessments(deps, repo);
  const accepted = versions.find((v) => v.status === 'accepted' || v.status === 'stricter-level-required') ?? null;
  const events = await listGovernanceEvents(deps.db, repo.id);
  const levelHistory = events.flatMap((e) => {
    const details = e.details as { accessLevel?: unknown; after?: { accessLevel?: unknown }; before?: { accessLevel?: unknown }; source?: unknown };
    if (e.action === 'repo.created') return [{ at: e.at.toISOString(), from: null, to: levelOf(details.accessLevel), by: e.actor, source: 'publisher' as const }];
    if (e.action === 'repo.settings_changed' && details.after?.accessLevel !== undefined && details.after.accessLevel !== details.before?.accessLevel) {
      return [{ at: e.at.toISOString(), from: levelOf(details.before?.accessLevel), to: levelOf(details.after.accessLevel), by: e.actor, source: details.source === 'platform' ? ('platform' as const) : ('publisher' as const) }];
    }
    return [];
  });
  const blocks = events.filter((e) => e.action === 'repo.blocked' || e.action === 'repo.unblocked').map((e) => ({
    at: e.at.toISOString(), action: e.action === 'repo.blocked' ? 'blocked' : 'unblocked', by: e.actor,
    reason: typeof (e.details as { reason?: unknown }).reason === 'string' ? (e.details as { reason: string }).reason : null,
  }));
  // Platform and publisher conditions only: a committee's special conditions belong to one grant.
  const conditions = await conditionsFor(deps.db, repo.id, null);
  const { floor } = standingOf(versionFacts(versions));
  const floorDecision = floor ? versions.find((v) => v.status === 'stricter-level-required' && v.requiredLevel === floor) : undefined;
  if (floor) conditions.unshift({ source: 'platform', text: `Platform release review requires at least the "${floor}" access level${floorDecision ? ` (assessment version ${floorDecision.version})` : ''}.` });
  const stageAssessments = await loadStageAssessments(deps, repo);
  for (const s of stageAssessments) {
    if (s.requiredLevel) conditions.push({ source: 'platform', text: `Platform release review requires at least the "${s.requiredLevel}" access level for the release stage "${s.stage}".` });
  }
  const blockedBy = repo.blockedBy ? (await findUserById(deps.db, repo.blockedBy))?.username ?? null : null;
  return {
    repository: { id: `${repo.namespace}/${repo.name}`, type: repo.type, accessLevel: repo.accessLevel, private: repo.private },
    block: repo.blockedAt ? { at: repo.blockedAt.toISOString(), by: blockedBy, reason: repo.blockedReason } : null,
    accessLevelHistory: levelHistory,
    conditions: groupBySource(conditions).map((g) => ({ source: g.source, heading: g.heading, conditions: g.items.map((c) => c.text) })),
    assessment: accepted
      ? { version: accepted.version, status: accepted.status, accessLevel: accepted.content.accessLevel ?? null, publicSummary: accepted.content.publicSummary ?? null, rationale: accepted.rationale, requiredLevel: accepted.requiredLevel, decidedAt: accepted.decidedAt?.toISOString() ?? null, decidedBy: accepted.decidedBy ? names.get(accepted.decidedBy) ?? null : null }
      : null,
    assessmentVersions: versions.map((v) => presentVersion(v, names, false)),
    stageAssessments,
    applications: { ...(await countApplications(deps.db, repo.id)), medianDecisionHours: await medianDecisionHours(deps.db, repo.id) },
    activeGrants: await countActiveGrants(deps.db, repo.id, deps.clock.now()),
    downloads: await countDownloads(deps.db, repo.id),
    blocks,
    links: { cardHistory: `${repoPath}/card/history`, assessment: `${repoPath}/assessment` },
  };
}

type AssessmentRow = Awaited<ReturnType<typeof listStageVersions>>[number];

/** Each release stage assessed on its own: its decided version, the level a reviewer required of it, every version. */
async function loadStageAssessments(deps: AppDeps, repo: RepositoryRow) {
  const rows = await listStageVersions(deps.db, repo.id);
  const names = await usernamesOf(deps.db, rows.flatMap((v) => [v.submittedBy, v.decidedBy]));
  const byStage = new Map<string, AssessmentRow[]>();
  for (const row of rows) byStage.set(row.stage!, [...(byStage.get(row.stage!) ?? []), row]);
  return [...byStage.entries()].map(([stage, versions]) => {
    const decided = versions.find((v) => v.status === 'accepted' || v.status === 'stricter-level-required') ?? null;
    return {
      stage,
      requiredLevel: standingOf(versionFacts(versions)).floor,
      decided: decided ? { version: decided.version, status: decided.status, accessLevel: decided.content.accessLevel ?? null, publicSummary: decided.content.publicSummary ?? null, rationale: decided.rationale, decidedAt: decided.decidedAt?.toISOString() ?? null } : null,
      versions: versions.map((v) => presentVersion(v, names, false)),
    };
  });
}
