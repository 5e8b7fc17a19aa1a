import type { Actor } from '../access/actor.ts';
import { allow, canMutate, deny, selfMutation, type Decision } from '../access/policy-kit.ts';
import type { OrgRole } from '../orgs/orgs.repository.ts';
import type { DecisionRule } from './applications.models.ts';

/**
 * Access applications: who may apply, read, review, vote, comment and recuse. Called only through
 * `authorize`. When an application may move is the lifecycle's business (`applications.models.ts`).
 */

/** What the policy needs to know about an actor and one application's repository. */
export interface ReviewFacts {
  applicantId: string;
  /** The actor's role over the repository's namespace, or null. */
  role: OrgRole | null;
  committeeMember: boolean;
  rule: DecisionRule['kind'];
  /** The actor declared a conflict of interest on this application. */
  recused: boolean;
}

export type ApplicationPolicyAction =
  /** Withdraw, edit or resubmit one's own application. */
  | { type: 'application.act-own'; applicantId: string }
  /** Read an application: the applicant their own, reviewers the full view. */
  | { type: 'application.read'; review: ReviewFacts }
  /** The reviewers' full view (credential status, signatures, votes, comments). */
  | { type: 'application.inspect'; review: ReviewFacts }
  | { type: 'application.vote'; review: ReviewFacts }
  | { type: 'application.comment'; review: ReviewFacts }
  | { type: 'application.declare-conflict'; review: ReviewFacts }
  /** See one's review queue. */
  | { type: 'application.queue' };

/**
 * Who decides: under the single-approver rule, the publishers (admin or write members of the
 * owning namespace) and the committee; under a committee rule, the committee only.
 */
export const mayReview = (facts: Pick<ReviewFacts, 'role' | 'committeeMember' | 'rule'>) =>
  facts.committeeMember || (facts.rule === 'single' && (facts.role === 'admin' || facts.role === 'write'));

function reviewer(actor: Actor, facts: ReviewFacts): Decision {
  if (actor.kind === 'anonymous') return deny('sign-in-required');
  if (actor.user.blocked) return deny('user-blocked');
  // Nobody reviews their own application.
  if (actor.user.id === facts.applicantId) return deny('forbidden');
  return mayReview(facts) ? allow : deny('forbidden');
}

export function authorizeApplication(actor: Actor, action: ApplicationPolicyAction): Decision {
  switch (action.type) {
    case 'application.act-own': {
      const decision = selfMutation(actor);
      if (!decision.allowed || actor.kind === 'anonymous') return decision;
      return actor.user.id === action.applicantId ? allow : deny('not-found');
    }
    case 'application.read':
      if (actor.kind === 'user' && actor.user.id === action.review.applicantId) return allow;
      return reviewer(actor, action.review).allowed ? allow : deny(actor.kind === 'anonymous' ? 'sign-in-required' : 'not-found');
    case 'application.inspect':
      return reviewer(actor, action.review);
    case 'application.declare-conflict': {
      const decision = reviewer(actor, action.review);
      if (!decision.allowed) return decision;
      return canMutate(actor) ? allow : deny('insufficient-scope');
    }
    case 'application.vote':
    case 'application.comment': {
      const decision = reviewer(actor, action.review);
      if (!decision.allowed) return decision;
      // A recused reviewer takes no further part.
      if (action.review.recused) return deny('forbidden');
      return canMutate(actor) ? allow : deny('insufficient-scope');
    }
    case 'application.queue':
      return actor.kind === 'anonymous' ? deny('sign-in-required') : allow;
  }
}
