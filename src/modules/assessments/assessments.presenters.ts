import { riskRating, type AssessmentDraft } from './assessments.models.ts';
import type { AssessmentRow } from './assessments.repository.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * One version for the API. The public view is what the transparency page publishes: status,
 * argued level, summary and the moderator's decision. The full view adds the content, whose misuse
 * descriptions can read as instructions, so only members and moderators get it.
 */
export function presentVersion(row: AssessmentRow, names: Map<string, string>, full: boolean) {
  return {
    version: row.version,
    stage: row.stage,
    status: row.status,
    accessLevel: row.content.accessLevel ?? null,
    publicSummary: row.content.publicSummary ?? null,
    submittedAt: iso(row.submittedAt),
    submittedBy: row.submittedBy ? names.get(row.submittedBy) ?? null : null,
    decision: row.decidedAt
      ? { at: iso(row.decidedAt), by: row.decidedBy ? names.get(row.decidedBy) ?? null : null, rationale: row.rationale, requiredLevel: row.requiredLevel }
      : null,
    ...(full ? { content: presentContent(row.content) } : {}),
  };
}

export function presentContent(content: AssessmentDraft) {
  return {
    ...content,
    misuses: (content.misuses ?? []).map((m) => ({ ...m, ...(m.likelihood && m.severity ? { risk: riskRating({ likelihood: m.likelihood, severity: m.severity }) } : {}) })),
  };
}

export function presentDraft(row: AssessmentRow | null) {
  return row ? { updatedAt: row.updatedAt.toISOString(), content: presentContent(row.content) } : null;
}
