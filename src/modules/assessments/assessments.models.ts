import type { AccessLevel } from '../repos/repos.tables.ts';

/**
 * Risk–benefit assessments: their lifecycle, risk ratings and the release rule. Pure logic, no I/O.
 *
 * draft → submitted → accepted | stricter-level-required. A newer submission supersedes an older
 * version still waiting for a decision, so moderators only ever decide the newest one.
 */
export const ASSESSMENT_STATUSES = ['draft', 'submitted', 'accepted', 'stricter-level-required', 'superseded'] as const;
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];

export const DECISIONS = ['accept', 'require-stricter'] as const;
export type AssessmentDecision = (typeof DECISIONS)[number];

export interface Misuse {
  description: string;
  /** Who could be harmed by this misuse. */
  harmedGroups: string;
  /** 1 (rare) to 5 (almost certain). */
  likelihood: number;
  /** 1 (negligible) to 5 (severe, irreversible). */
  severity: number;
  /** What reduces this particular risk (optional: the general mitigations may cover it). */
  mitigation?: string;
}

export interface AssessmentContent {
  intendedUses: string;
  intendedUsers: string;
  misuses: Misuse[];
  /** People in the data who never consented to be studied, and how the release could affect them. */
  nonConsentingPeople: string;
  mitigations: string;
  benefits: string;
  /** How to recognise the model's output (watermarks, classifiers, telltale features). */
  outputRecognition: string;
  /** The access level the publisher argues for, and why. */
  accessLevel: AccessLevel;
  accessLevelArgument: string;
  /** What the transparency page publishes. */
  publicSummary: string;
}

/** A draft may be incomplete; a submission must be complete (`assessments.schemas.ts`). */
export type AssessmentDraft = Partial<Omit<AssessmentContent, 'misuses'>> & { misuses?: Partial<Misuse>[] };

/** Levels from the most open to the strictest. */
const STRICTNESS: Record<AccessLevel, number> = { open: 0, agreement: 1, reviewed: 2, 'no-download': 3 };
export const strictness = (level: AccessLevel) => STRICTNESS[level];
export const isStricter = (a: AccessLevel, b: AccessLevel) => STRICTNESS[a] > STRICTNESS[b];

export type RiskBand = 'low' | 'medium' | 'high' | 'critical';

/** Likelihood × severity (1–25) and its band, as on a classic 5×5 risk matrix. */
export function riskRating(misuse: Pick<Misuse, 'likelihood' | 'severity'>): { score: number; band: RiskBand } {
  const score = misuse.likelihood * misuse.severity;
  const band: RiskBand = score >= 15 ? 'critical' : score >= 10 ? 'high' : score >= 5 ? 'medium' : 'low';
  return { score, band };
}

/** A submitted version as the release rule sees it. */
export interface AssessmentVersionFacts {
  version: number;
  status: Exclude<AssessmentStatus, 'draft'>;
  arguedLevel: AccessLevel;
  requiredLevel: AccessLevel | null;
}

/**
 * What the submitted versions allow. `most open` is the most open level they support: the newest
 * live version's argued level, or the moderator's required level when that is its decision.
 * `floor` is the level a moderator required in the newest decision, which holds until a moderator
 * accepts a newer version: resubmitting alone does not lift it.
 */
export function standingOf(versions: AssessmentVersionFacts[]): { newest: AssessmentVersionFacts | null; mostOpen: AccessLevel | null; floor: AccessLevel | null } {
  const live = versions.filter((v) => v.status !== 'superseded').sort((a, b) => b.version - a.version);
  const newest = live[0] ?? null;
  const decided = live.find((v) => v.status === 'accepted' || v.status === 'stricter-level-required');
  const floor = decided?.status === 'stricter-level-required' ? decided.requiredLevel : null;
  const mostOpen = !newest ? null : newest.status === 'stricter-level-required' && newest.requiredLevel ? newest.requiredLevel : newest.arguedLevel;
  return { newest, mostOpen, floor };
}

export type LevelVerdict =
  | { ok: true }
  | { ok: false; code: 'assessment_required' | 'assessment_argues_stricter' | 'level_below_required'; detail: { arguedLevel?: AccessLevel; requiredLevel?: AccessLevel; version?: number } };

/**
 * The release rule. Moving a repository from `current` to `target`:
 * - to `no-download`, or to a stricter level from one above `open`, never waits for paperwork:
 *   tightening a release must always be possible at once;
 * - from `open` to a gated level, or to any more open level, needs a submitted (or decided)
 *   assessment that argues for `target` or a stricter level;
 * - never below the level a moderator required, whatever the assessment says.
 */
export function levelChangeVerdict(current: AccessLevel, target: AccessLevel, versions: AssessmentVersionFacts[]): LevelVerdict {
  if (current === target) return { ok: true };
  const { newest, mostOpen, floor } = standingOf(versions);
  if (floor && isStricter(floor, target)) return { ok: false, code: 'level_below_required', detail: { requiredLevel: floor } };
  const needsAssessment = target !== 'no-download' && (current === 'open' || isStricter(current, target));
  if (!needsAssessment) return { ok: true };
  if (!newest || !mostOpen) return { ok: false, code: 'assessment_required', detail: {} };
  if (isStricter(mostOpen, target)) return { ok: false, code: 'assessment_argues_stricter', detail: { arguedLevel: mostOpen, version: newest.version } };
  return { ok: true };
}

/** Who may move an assessment where: the moderator decides only a submitted version. */
export function canDecide(status: AssessmentStatus): boolean {
  return status === 'submitted';
}
