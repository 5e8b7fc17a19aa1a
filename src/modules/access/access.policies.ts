import type { AccessLevel } from '../repos/repos.tables.ts';
import type { OrgRole } from '../orgs/orgs.repository.ts';
import type { Actor } from './actor.ts';
import { authorizeCredential, type CredentialAction } from '../credentials/credentials.policies.ts';
import { authorizeApplication, type ApplicationPolicyAction } from '../applications/applications.policies.ts';
import { authorizeAudit, type AuditPolicyAction } from '../audit/audit.policies.ts';
import { authorizeModeration, type ModerationAction } from '../moderation/moderation.policies.ts';
import { authorizeTraining, type TrainingAction } from '../trainings/trainings.policies.ts';
import { authorizePassport, type PassportAction } from '../passports/passports.policies.ts';
import { authorizeWebhook, type WebhookAction } from '../webhooks/webhooks.policies.ts';
import { authorizeAssessment, type AssessmentAction } from '../assessments/assessments.policies.ts';
import { authorizeCondition, type ConditionAction } from '../conditions/conditions.policies.ts';
import { authorizeDiscussion, type DiscussionAction } from '../discussions/discussions.policies.ts';
import { authorizeMisuse, type MisuseAction } from '../misuse/misuse.policies.ts';
import { allow, canMutate, deny, hasPlatformRole, selfMutation, type Decision, type DenyReason } from './policy-kit.ts';
import type { LapsedGrant } from '../applications/grants.usecases.ts';

export type { Decision, DenyReason };

/**
 * The one policy function. Every access decision in Airlock, whether a listing, a metadata read,
 * a download or a change, goes through `authorize`. It is pure: callers load the facts first.
 */

export interface RepoFacts {
  repo: { id: string; private: boolean; accessLevel: AccessLevel; blockedAt: Date | null };
  /** The actor's role over the owning namespace (`admin` for their own), or null. */
  role: OrgRole | null;
  /** Whether the actor holds an active grant right now. */
  hasActiveGrant: boolean;
  /** Whether the actor's access request is waiting for review. */
  hasPendingRequest: boolean;
  /**
   * The first requirement of the repository the actor no longer meets although a grant exists
   * (a grant is valid only while every requirement holds), or null.
   */
  unmetRequirement?: UnmetRequirement | null;
  /** Without a grant: the first requirement to meet before applying, when loaded with the facts (a refusal names it). */
  firstUnmet?: UnmetRequirement | null;
  /** Without an active grant: why the newest one stopped (revoked, or past its end), for the refusal's message. */
  lapsedGrant?: LapsedGrant | null;
  /** When the file's release stage is under embargo at the time of the request: its name and end. */
  embargo?: { stage: string; until: Date } | null;
}

export type UnmetRequirement =
  | { kind: 'agreement'; title: string; version: number }
  /** `revokedAt` when the user's credential was revoked (rather than never held). */
  | { kind: 'credential'; revokedAt: Date | null }
  /** A required training without a valid certificate; `expiredAt` when the last one ran out. */
  | { kind: 'training'; slug: string; title: string; expiredAt: Date | null };

export type Action =
  | { type: 'repo.view'; facts: RepoFacts }
  | { type: 'repo.download'; facts: RepoFacts }
  | { type: 'repo.write'; facts: RepoFacts }
  | { type: 'repo.view-access-requests'; facts: RepoFacts }
  | { type: 'repo.manage-access'; facts: RepoFacts }
  | { type: 'repo.request-access'; facts: RepoFacts }
  | { type: 'repo.create'; namespaceRole: OrgRole | null }
  | { type: 'token.manage'; ownerId: string }
  | { type: 'org.create' }
  | { type: 'org.manage-members'; role: OrgRole | null }
  /** Acting on one's own records: signing agreements (mutating), reading one's signatures. */
  | { type: 'self.sign' }
  | { type: 'self.read' }
  | CredentialAction
  | ApplicationPolicyAction
  | AuditPolicyAction
  | ModerationAction
  | PassportAction
  | WebhookAction
  | TrainingAction
  | AssessmentAction
  | ConditionAction
  | DiscussionAction
  | MisuseAction;

function canView(actor: Actor, facts: RepoFacts): boolean {
  if (!facts.repo.private) return true;
  if (actor.kind === 'anonymous') return false;
  return facts.role !== null || hasPlatformRole(actor, 'admin', 'moderator');
}

const isCredentialAction = (action: Action): action is CredentialAction => action.type.startsWith('credential.');
const isApplicationAction = (action: Action): action is ApplicationPolicyAction => action.type.startsWith('application.');
const isAuditAction = (action: Action): action is AuditPolicyAction => action.type.startsWith('audit.');
const isModerationAction = (action: Action): action is ModerationAction => action.type.startsWith('moderation.');
const isTrainingAction = (action: Action): action is TrainingAction => action.type.startsWith('training.');
const isPassportAction = (action: Action): action is PassportAction => action.type.startsWith('passport.');
const isWebhookAction = (action: Action): action is WebhookAction => action.type.startsWith('webhook.');
const isAssessmentAction = (action: Action): action is AssessmentAction => action.type.startsWith('assessment.');
const isConditionAction = (action: Action): action is ConditionAction => action.type.startsWith('condition.');
const isDiscussionAction = (action: Action): action is DiscussionAction => action.type.startsWith('discussion.');
const isMisuseAction = (action: Action): action is MisuseAction => action.type.startsWith('misuse.');

export function authorize(actor: Actor, action: Action): Decision {
  // Domains with their own policy file; the decision still goes through this one function.
  if (isCredentialAction(action)) return authorizeCredential(actor, action);
  if (isApplicationAction(action)) return authorizeApplication(actor, action);
  if (isAuditAction(action)) return authorizeAudit(actor, action);
  if (isModerationAction(action)) return authorizeModeration(actor, action);
  if (isTrainingAction(action)) return authorizeTraining(actor, action);
  if (isPassportAction(action)) return authorizePassport(actor, action);
  if (isWebhookAction(action)) return authorizeWebhook(actor, action);
  if (isAssessmentAction(action)) return authorizeAssessment(actor, action);
  if (isConditionAction(action)) return authorizeCondition(actor, action);
  if (isDiscussionAction(action)) return authorizeDiscussion(actor, action);
  if (isMisuseAction(action)) return authorizeMisuse(actor, action);
  switch (action.type) {
    case 'repo.view':
      return canView(actor, action.facts) ? allow : deny('not-found');

    case 'repo.download': {
      const { facts } = action;
      if (!canView(actor, facts)) return deny('not-found');
      // A platform block and `no-download` override everything, the publisher included.
      if (facts.repo.blockedAt) return deny('repo-blocked');
      if (facts.repo.accessLevel === 'no-download') return deny('no-download');
      if (actor.kind === 'user' && actor.user.blocked) return deny('user-blocked');
      // Until an embargo ends, only the publisher may download the stage's files.
      if (facts.embargo && facts.role !== 'admin' && facts.role !== 'write') return deny('embargoed');
      if (facts.repo.accessLevel === 'open') return allow;
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      if (facts.role !== null) return allow;
      if (facts.hasActiveGrant) return facts.unmetRequirement ? deny('requirement-unmet') : allow;
      return deny(facts.hasPendingRequest ? 'request-pending' : 'no-grant');
    }

    case 'repo.write': {
      if (!canView(actor, action.facts)) return deny('not-found');
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      if (actor.user.blocked) return deny('user-blocked');
      if (action.facts.role !== 'admin' && action.facts.role !== 'write') return deny('forbidden');
      return canMutate(actor) ? allow : deny('insufficient-scope');
    }

    case 'repo.view-access-requests':
    case 'repo.manage-access': {
      if (!canView(actor, action.facts)) return deny('not-found');
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      if (actor.user.blocked) return deny('user-blocked');
      // Publishers are members with `admin` or `write`; they review requests for their repositories.
      if (action.facts.role !== 'admin' && action.facts.role !== 'write') return deny('forbidden');
      if (action.type === 'repo.manage-access' && !canMutate(actor)) return deny('insufficient-scope');
      return allow;
    }

    case 'repo.request-access': {
      if (!canView(actor, action.facts)) return deny('not-found');
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      if (actor.user.blocked) return deny('user-blocked');
      if (action.facts.repo.accessLevel === 'open' || action.facts.repo.accessLevel === 'no-download') return deny('forbidden');
      return canMutate(actor) ? allow : deny('insufficient-scope');
    }

    case 'repo.create': {
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      if (actor.user.blocked) return deny('user-blocked');
      if (action.namespaceRole !== 'admin' && action.namespaceRole !== 'write') return deny('forbidden');
      return canMutate(actor) ? allow : deny('insufficient-scope');
    }

    case 'token.manage':
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      // A session from before a block outlives it; it must not mint a fresh credential either.
      if (actor.user.blocked) return deny('user-blocked');
      // Tokens are managed from a session only: a stolen token must not mint or list others.
      if (actor.via !== 'session') return deny('forbidden');
      return actor.user.id === action.ownerId ? allow : deny('not-found');

    case 'self.read':
      return actor.kind === 'anonymous' ? deny('sign-in-required') : allow;

    case 'self.sign':
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      if (actor.user.blocked) return deny('user-blocked');
      return canMutate(actor) ? allow : deny('insufficient-scope');

    case 'org.create':
      return selfMutation(actor);

    case 'org.manage-members':
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      if (action.role !== 'admin' && !hasPlatformRole(actor, 'admin')) return deny('forbidden');
      return canMutate(actor) ? allow : deny('insufficient-scope');
  }
}
