/**
 * The access application lifecycle and committee tally. Pure: no I/O, no clock.
 *
 *   draft → submitted → (returned ↔ submitted) → approved | rejected | withdrawn
 *
 * Nothing is ever approved because time passed: only votes move an application to a decision.
 */

export const APPLICATION_STATUSES = ['draft', 'submitted', 'returned', 'approved', 'rejected', 'withdrawn'] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

export type ApplicationAction = 'submit' | 'withdraw' | 'return' | 'approve' | 'reject';
export type ActorRole = 'applicant' | 'reviewer' | 'system';

const TRANSITIONS: Record<ApplicationStatus, Partial<Record<ApplicationAction, { to: ApplicationStatus; by: ActorRole[] }>>> = {
  draft: { submit: { to: 'submitted', by: ['applicant'] }, withdraw: { to: 'withdrawn', by: ['applicant'] } },
  submitted: {
    return: { to: 'returned', by: ['reviewer'] },
    approve: { to: 'approved', by: ['reviewer', 'system'] },
    reject: { to: 'rejected', by: ['reviewer'] },
    withdraw: { to: 'withdrawn', by: ['applicant'] },
  },
  returned: { submit: { to: 'submitted', by: ['applicant'] }, withdraw: { to: 'withdrawn', by: ['applicant'] } },
  approved: {},
  rejected: {},
  withdrawn: {},
};

export type TransitionResult = { ok: true; to: ApplicationStatus } | { ok: false; message: string };

/** Whether `role` may apply `action` to an application in `from`, and where it leads. */
export function transition(from: ApplicationStatus, action: ApplicationAction, role: ActorRole): TransitionResult {
  const rule = TRANSITIONS[from][action];
  if (!rule) return { ok: false, message: `An application that is ${from} cannot be ${pastTense(action)}.` };
  if (!rule.by.includes(role)) return { ok: false, message: `Only ${rule.by.map(describeRole).join(' or ')} can ${action} an application.` };
  return { ok: true, to: rule.to };
}

const pastTense = (action: ApplicationAction) => ({ submit: 'submitted', withdraw: 'withdrawn', return: 'returned', approve: 'approved', reject: 'rejected' })[action];
const describeRole = (role: ActorRole) => ({ applicant: 'the applicant', reviewer: 'a reviewer', system: 'the platform' })[role];

export const isOpen = (status: ApplicationStatus) => status === 'draft' || status === 'submitted' || status === 'returned';

/** How a repository decides: one approver, or N approvals among the committee, optionally with a veto. */
export type DecisionRule = { kind: 'single' } | { kind: 'committee'; required: number; veto: boolean };

export type VoteDecision = 'approve' | 'reject';

/**
 * The outcome of the votes cast in the current round by eligible (not recused) reviewers.
 * A committee rejects as soon as approval can no longer reach `required`, or at once on a veto.
 */
export function tally(rule: DecisionRule, eligibleReviewers: number, votes: VoteDecision[]): 'approved' | 'rejected' | 'pending' {
  const approvals = votes.filter((v) => v === 'approve').length;
  const rejections = votes.length - approvals;
  if (rule.kind === 'single') return approvals > 0 ? 'approved' : rejections > 0 ? 'rejected' : 'pending';
  if (rule.veto && rejections > 0) return 'rejected';
  const required = Math.min(rule.required, Math.max(eligibleReviewers, 1));
  if (approvals >= required) return 'approved';
  if (approvals + (eligibleReviewers - votes.length) < required) return 'rejected';
  return 'pending';
}
