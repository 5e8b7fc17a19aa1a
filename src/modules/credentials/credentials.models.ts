/** Pure rules of researcher credentials: the lifecycle, the review stages, and what "complete" means. */

export const CREDENTIAL_STATUSES = ['draft', 'submitted', 'returned', 'approved', 'rejected', 'revoked'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

/** The capacity someone acts in. The policy decides who may act as staff; this table decides when. */
export const CREDENTIAL_ROLES = ['applicant', 'reference', 'staff'] as const;
export type CredentialRole = (typeof CREDENTIAL_ROLES)[number];

export const CREDENTIAL_STEPS = ['edit', 'submit', 'respond-reference', 'check-identity', 'return', 'approve', 'reject', 'revoke'] as const;
export type CredentialStep = (typeof CREDENTIAL_STEPS)[number];

interface TransitionRule {
  role: CredentialRole;
  from: readonly CredentialStatus[];
  /** `null`: the action records something without moving the application. */
  to: CredentialStatus | null;
}

/** Every allowed transition. Anything not listed is refused. */
export const TRANSITIONS: Record<CredentialStep, TransitionRule> = {
  edit: { role: 'applicant', from: ['draft', 'returned'], to: null },
  submit: { role: 'applicant', from: ['draft', 'returned'], to: 'submitted' },
  // A reference may still answer while the applicant fixes a returned application.
  'respond-reference': { role: 'reference', from: ['submitted', 'returned'], to: null },
  'check-identity': { role: 'staff', from: ['submitted'], to: null },
  return: { role: 'staff', from: ['submitted'], to: 'returned' },
  approve: { role: 'staff', from: ['submitted'], to: 'approved' },
  reject: { role: 'staff', from: ['submitted'], to: 'rejected' },
  revoke: { role: 'staff', from: ['approved'], to: 'revoked' },
};

export type TransitionRefusal = 'wrong-role' | 'wrong-status' | 'identity-not-checked' | 'reference-not-confirmed';
export type TransitionResult = { ok: true; to: CredentialStatus } | { ok: false; reason: TransitionRefusal };

export interface ApprovalFacts {
  identityChecked: boolean;
  referenceConfirmed: boolean;
}

/** Whether `role` may take `action` on an application in `status`, and the status it leads to. */
export function transition(status: CredentialStatus, role: CredentialRole, action: CredentialStep, facts: ApprovalFacts = { identityChecked: false, referenceConfirmed: false }): TransitionResult {
  const rule = TRANSITIONS[action];
  if (rule.role !== role) return { ok: false, reason: 'wrong-role' };
  if (!rule.from.includes(status)) return { ok: false, reason: 'wrong-status' };
  // Approval needs both checks done: nothing is approved because time passed or a step was skipped.
  if (action === 'approve' && !facts.identityChecked) return { ok: false, reason: 'identity-not-checked' };
  if (action === 'approve' && !facts.referenceConfirmed) return { ok: false, reason: 'reference-not-confirmed' };
  return { ok: true, to: rule.to ?? status };
}

/** A later application may be started only once the previous one is closed. */
export const isClosed = (status: CredentialStatus) => status === 'rejected' || status === 'revoked';

// ---- References ---------------------------------------------------------------------------

export const REFERENCE_LINK_DAYS = 30;
export const referenceLinkExpiry = (now: Date) => new Date(now.getTime() + REFERENCE_LINK_DAYS * 24 * 3600 * 1000);

export interface ReferenceRequestFacts {
  email: string;
  expiresAt: Date;
  response: 'confirm' | 'decline' | null;
  supersededAt: Date | null;
}

export type ReferenceState = 'waiting' | 'confirmed' | 'declined' | 'expired';

export function referenceState(request: ReferenceRequestFacts, now: Date): ReferenceState {
  if (request.response === 'confirm') return 'confirmed';
  if (request.response === 'decline') return 'declined';
  return now >= request.expiresAt ? 'expired' : 'waiting';
}

export type ReferenceLinkState = 'open' | 'answered' | 'expired' | 'superseded' | 'closed';

/** Whether a reference's link may still be answered: once, within its time, while it is the current one. */
export function referenceLinkState(request: ReferenceRequestFacts, applicationStatus: CredentialStatus, now: Date): ReferenceLinkState {
  if (request.response !== null) return 'answered';
  if (request.supersededAt !== null) return 'superseded';
  if (!transition(applicationStatus, 'reference', 'respond-reference').ok) return 'closed';
  return now >= request.expiresAt ? 'expired' : 'open';
}

/**
 * On (re)submission the reference is asked again unless the current request already covers the
 * same person: confirmed, or still waiting within its time. This spares a reference a second mail.
 */
export function needsNewReferenceRequest(current: ReferenceRequestFacts | undefined, referenceEmail: string, now: Date): boolean {
  if (!current || current.supersededAt) return true;
  if (current.email.toLowerCase() !== referenceEmail.toLowerCase()) return true;
  const state = referenceState(current, now);
  return state !== 'confirmed' && state !== 'waiting';
}

// ---- Stages -------------------------------------------------------------------------------

export const STAGES = ['identity', 'reference', 'final'] as const;
export type Stage = (typeof STAGES)[number];
export type StageState = 'done' | 'pending' | ReferenceState;

export interface StageView {
  name: Stage;
  state: StageState;
  at: Date | null;
}

export interface StageFacts {
  status: CredentialStatus;
  identityCheckedAt: Date | null;
  decidedAt: Date | null;
  reference: (ReferenceRequestFacts & { respondedAt: Date | null }) | undefined;
}

/**
 * Where a submitted application stands, so the applicant is never left with "under review":
 * each stage with its state, and the current one (the first not done), or null outside review.
 */
export function stagesOf(facts: StageFacts, now: Date): { current: Stage | null; stages: StageView[] } {
  const decided = facts.status === 'approved' || facts.status === 'rejected' || facts.status === 'revoked';
  const refState = facts.reference ? referenceState(facts.reference, now) : null;
  const stages: StageView[] = [
    { name: 'identity', state: facts.identityCheckedAt ? 'done' : 'pending', at: facts.identityCheckedAt },
    { name: 'reference', state: refState === 'confirmed' ? 'done' : refState ?? 'pending', at: facts.reference?.respondedAt ?? null },
    { name: 'final', state: decided ? 'done' : 'pending', at: decided ? facts.decidedAt : null },
  ];
  const current = facts.status === 'submitted' ? stages.find((s) => s.state !== 'done')?.name ?? 'final' : null;
  return { current, stages };
}

// ---- Profile and application completeness -------------------------------------------------

export const RESEARCHER_CATEGORIES = ['student', 'postdoc', 'academic', 'industry', 'government', 'independent', 'other'] as const;
export type ResearcherCategory = (typeof RESEARCHER_CATEGORIES)[number];

export interface ProfileFacts {
  fullName: string | null;
  institution: string | null;
  jobTitle: string | null;
  category: string | null;
  country: string | null;
  orcid: string | null;
  website: string | null;
}

export interface Gap {
  field: string;
  message: string;
}

/** What a profile still lacks before an application can be submitted, in form order. */
export function profileGaps(profile: ProfileFacts | undefined): Gap[] {
  const p = profile ?? { fullName: null, institution: null, jobTitle: null, category: null, country: null, orcid: null, website: null };
  const gaps: Gap[] = [];
  if (!p.fullName) gaps.push({ field: 'fullName', message: 'give your full name' });
  if (!p.institution) gaps.push({ field: 'institution', message: 'give your institution (or "independent")' });
  if (!p.jobTitle) gaps.push({ field: 'jobTitle', message: 'give your job title' });
  if (!p.category) gaps.push({ field: 'category', message: 'choose your researcher category' });
  if (!p.country) gaps.push({ field: 'country', message: 'choose your country' });
  if (!p.orcid && !p.website) gaps.push({ field: 'orcid', message: 'give your ORCID iD or a web page that shows your work' });
  return gaps;
}

export interface ApplicationFacts {
  researchSummary: string | null;
  referenceName: string | null;
  referenceEmail: string | null;
  referenceRelationship: string | null;
}

/** What an application still lacks before it can be submitted. */
export function applicationGaps(app: ApplicationFacts, summaryMin: number): Gap[] {
  const gaps: Gap[] = [];
  const summary = app.researchSummary?.trim() ?? '';
  if (summary.length < summaryMin) {
    gaps.push({ field: 'researchSummary', message: `describe your research in at least ${summaryMin} characters (now ${summary.length})` });
  }
  if (!app.referenceName) gaps.push({ field: 'reference.name', message: 'name a reference or supervisor' });
  if (!app.referenceEmail) gaps.push({ field: 'reference.email', message: "give your reference's institutional email" });
  if (!app.referenceRelationship) gaps.push({ field: 'reference.relationship', message: 'say how your reference knows you' });
  return gaps;
}

/** The profile as it stood at submission: staff review this, not whatever it says today. */
export type ProfileSnapshot = { [K in keyof ProfileFacts]: string | null };

export const snapshotOf = (p: ProfileFacts): ProfileSnapshot => ({
  fullName: p.fullName, institution: p.institution, jobTitle: p.jobTitle, category: p.category, country: p.country, orcid: p.orcid, website: p.website,
});

/** An identity check stands across a resubmission only if the profile it checked is unchanged. */
export const sameSnapshot = (a: ProfileSnapshot | null, b: ProfileSnapshot) =>
  a !== null && (Object.keys(b) as (keyof ProfileSnapshot)[]).every((k) => (a[k] ?? null) === b[k]);

// ---- ORCID --------------------------------------------------------------------------------

/** `0000-0002-1825-0097`, or the same as an orcid.org URL; returns the bare iD, or null if malformed. */
export function parseOrcid(input: string): string | null {
  const match = /^(?:https?:\/\/(?:www\.)?orcid\.org\/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dXx])\/?$/.exec(input.trim());
  return match ? match[1]!.toUpperCase() : null;
}

/** The ORCID check character (ISO 7064 mod 11-2) over the first 15 digits. */
export function orcidCheckCharacter(digits: string): string {
  let total = 0;
  for (const d of digits) total = (total + Number(d)) * 2;
  const result = (12 - (total % 11)) % 11;
  return result === 10 ? 'X' : String(result);
}

export function isValidOrcid(id: string): boolean {
  const digits = id.replace(/-/g, '');
  return digits.length === 16 && orcidCheckCharacter(digits.slice(0, 15)) === digits[15];
}
