import type { Decision, RepoFacts, UnmetRequirement } from '../access/access.policies.ts';
import type { AccessLevel } from '../repos/repos.tables.ts';
import type { LapsedGrant } from '../applications/grants.usecases.ts';

/** The access levels in plain language, for people rather than clients. */
export const ACCESS_LEVEL_TEXT: Record<AccessLevel, { label: string; explanation: string }> = {
  open: { label: 'Open', explanation: 'Anyone can download the files, without an account.' },
  agreement: { label: 'Agreement', explanation: 'Signed-in users who accept the conditions get access at once.' },
  reviewed: { label: 'Reviewed', explanation: 'The publisher reviews each request. Files can be downloaded once a request is approved.' },
  'no-download': { label: 'No download', explanation: 'The publisher released the card only: nobody can download the files.' },
};

/** What this visitor can do about the files, which decides what the access panel shows. */
export type Gate =
  | { kind: 'download'; because: 'open' | 'member' | 'grant' }
  | { kind: 'sign-in' }
  | { kind: 'accept-conditions' }
  | { kind: 'request-review' }
  | { kind: 'pending' }
  | { kind: 'requirement'; requirement: UnmetRequirement }
  /** The visitor's grant was revoked (with its reason) or has ended. */
  | { kind: 'lapsed'; lapsed: LapsedGrant }
  | { kind: 'blocked' }
  | { kind: 'no-download' }
  | { kind: 'account-blocked' }
  | { kind: 'unavailable' };

/**
 * Reads the policy's `repo.download` decision for the page. The decision comes from `authorize`,
 * the same as for the file routes, so the page never offers a link the download would refuse.
 */
export function gateFor(decision: Decision, facts: RepoFacts): Gate {
  if (decision.allowed) {
    if (facts.repo.accessLevel === 'open') return { kind: 'download', because: 'open' };
    return { kind: 'download', because: facts.role !== null ? 'member' : 'grant' };
  }
  switch (decision.reason) {
    case 'sign-in-required':
      return { kind: 'sign-in' };
    case 'no-grant':
      if (facts.lapsedGrant) return { kind: 'lapsed', lapsed: facts.lapsedGrant };
      return { kind: facts.repo.accessLevel === 'agreement' ? 'accept-conditions' : 'request-review' };
    case 'request-pending':
      return { kind: 'pending' };
    case 'requirement-unmet':
      return facts.unmetRequirement ? { kind: 'requirement', requirement: facts.unmetRequirement } : { kind: 'unavailable' };
    case 'repo-blocked':
      return { kind: 'blocked' };
    case 'no-download':
      return { kind: 'no-download' };
    case 'user-blocked':
      return { kind: 'account-blocked' };
    case 'not-found':
    case 'insufficient-scope':
    case 'forbidden':
    // The page decides for the repository as a whole; embargoes apply to a stage's files (see the schedule).
    case 'embargoed':
      return { kind: 'unavailable' };
  }
}

/** Front matter keys shown as facts; Hugging Face has no standard key for intended use, so common spellings count. */
const STRUCTURED_KEYS = [
  [['license'], 'License'],
  [['pipeline_tag'], 'Task'],
  [['base_model'], 'Base model'],
  [['datasets'], 'Datasets'],
  [['tags'], 'Tags'],
  [['intended_use', 'intended_uses', 'intended-use'], 'Intended use'],
] as const;

/**
 * The card's front matter keys the page shows as facts, each as a list of strings. Front matter is
 * free-form YAML, so anything that is not a string, number or list of them is left out.
 */
export function cardFacts(metadata: Record<string, unknown>): { label: string; values: string[] }[] {
  const asStrings = (value: unknown): string[] => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [String(value)];
    if (Array.isArray(value)) return value.flatMap((v) => (typeof v === 'string' || typeof v === 'number' ? [String(v)] : []));
    return [];
  };
  return STRUCTURED_KEYS.map(([keys, label]) => ({ label, values: keys.flatMap((key) => asStrings(metadata[key])).filter((v) => v.trim() !== '') })).filter((f) => f.values.length > 0);
}
