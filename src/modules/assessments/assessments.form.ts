import type { AssessmentDraft } from './assessments.models.ts';

/** The text fields of the assessment form, in the order the page shows them. */
export const TEXT_FIELDS = [
  ['intendedUses', 'Intended uses', 'What the model or dataset is for.'],
  ['intendedUsers', 'Intended users', 'Who should use it (for example: safety researchers at accredited institutions).'],
  ['nonConsentingPeople', 'People who never consented to be studied', 'Whose words, faces or records are in the data without their consent, and how this release could affect them.'],
  ['mitigations', 'Mitigations', 'What reduces the risks overall (access conditions, filtering, monitoring, documentation).'],
  ['benefits', 'Expected benefits', 'What research or public good the release makes possible.'],
  ['outputRecognition', "How to recognise the model's output", 'Watermarks, detectors, telltale features.'],
] as const;

export const MISUSE_FIELDS = ['description', 'harmedGroups', 'likelihood', 'severity', 'mitigation'] as const;

const blankToUndefined = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value);

/**
 * Reads the posted form (`misuses.3.severity` and so on) into a draft. Rows left entirely blank are
 * dropped and the rest renumbered in order, so error fields (`misuses.0.severity`) always point at
 * the row the page shows again. Unknown fields are ignored; values are not validated here.
 */
export function formToDraft(fields: Record<string, string>): AssessmentDraft {
  const draft: Record<string, unknown> = {};
  for (const [name] of TEXT_FIELDS) draft[name] = blankToUndefined(fields[name]);
  draft.accessLevel = blankToUndefined(fields.accessLevel);
  draft.accessLevelArgument = blankToUndefined(fields.accessLevelArgument);
  draft.publicSummary = blankToUndefined(fields.publicSummary);
  const rows = new Map<number, Record<string, string | undefined>>();
  for (const [name, value] of Object.entries(fields)) {
    const match = /^misuses\.(\d{1,3})\.([a-zA-Z]+)$/.exec(name);
    if (!match || !(MISUSE_FIELDS as readonly string[]).includes(match[2]!)) continue;
    const index = Number(match[1]);
    const row = rows.get(index) ?? {};
    row[match[2]!] = blankToUndefined(value);
    rows.set(index, row);
  }
  const misuses = [...rows.entries()].sort(([a], [b]) => a - b).map(([, row]) => row).filter((row) => Object.values(row).some((v) => v !== undefined));
  draft.misuses = misuses;
  for (const key of Object.keys(draft)) if (draft[key] === undefined) delete draft[key];
  return draft as AssessmentDraft;
}

/** The draft back as form values, for showing the form again. */
export function draftToForm(draft: AssessmentDraft): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(draft)) if (typeof value === 'string') values[key] = value;
  (draft.misuses ?? []).forEach((m, i) => {
    for (const field of MISUSE_FIELDS) {
      const value = m[field];
      if (value !== undefined && value !== null) values[`misuses.${i}.${field}`] = String(value);
    }
  });
  return values;
}
