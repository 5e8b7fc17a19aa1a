import type { Actor } from '../access/actor.ts';
import { allow, canMutate, deny, hasPlatformRole, type Decision } from '../access/policy-kit.ts';
import type { OrgRole } from '../orgs/orgs.repository.ts';

/**
 * Risk–benefit assessments: who may write, read in full and decide them. Called only through
 * `authorize`. When a version may move is the lifecycle's business (`assessments.models.ts`).
 */
export interface AssessmentFacts {
  repoPrivate: boolean;
  /** The actor's role over the repository's namespace, or null. */
  role: OrgRole | null;
}

export type AssessmentAction =
  /** The public part: status, versions, summary, rationale (the transparency page). */
  | { type: 'assessment.read-public'; facts: AssessmentFacts }
  /** Everything, drafts included: misuse details can be a recipe, so only members and moderators. */
  | { type: 'assessment.read-full'; facts: AssessmentFacts }
  /** Write the draft and submit it: the repository's publishers. */
  | { type: 'assessment.edit'; facts: AssessmentFacts }
  /** Accept, or require a stricter level: platform release reviewers, never on their own repository. */
  | { type: 'assessment.decide'; facts: AssessmentFacts }
  | { type: 'assessment.queue' };

const isReviewer = (actor: Actor) => hasPlatformRole(actor, 'moderator', 'admin');
const isPublisher = (role: OrgRole | null) => role === 'admin' || role === 'write';

function visible(actor: Actor, facts: AssessmentFacts): boolean {
  if (!facts.repoPrivate) return true;
  return actor.kind === 'user' && (facts.role !== null || isReviewer(actor));
}

export function authorizeAssessment(actor: Actor, action: AssessmentAction): Decision {
  if (action.type === 'assessment.queue') {
    if (actor.kind === 'anonymous') return deny('sign-in-required');
    return isReviewer(actor) ? allow : deny('forbidden');
  }
  const { facts } = action;
  if (!visible(actor, facts)) return deny('not-found');
  if (action.type === 'assessment.read-public') return allow;
  if (actor.kind === 'anonymous') return deny('sign-in-required');
  if (actor.user.blocked) return deny('user-blocked');
  switch (action.type) {
    case 'assessment.read-full':
      return facts.role !== null || isReviewer(actor) ? allow : deny('forbidden');
    case 'assessment.edit':
      if (!isPublisher(facts.role)) return deny('forbidden');
      return canMutate(actor) ? allow : deny('insufficient-scope');
    case 'assessment.decide':
      if (!isReviewer(actor)) return deny('forbidden');
      // Nobody reviews their own release.
      if (isPublisher(facts.role)) return deny('forbidden');
      return canMutate(actor) ? allow : deny('insufficient-scope');
  }
}
