import type { Actor } from '../access/actor.ts';
import { allow, canMutate, deny, hasPlatformRole, selfMutation, type Decision } from '../access/policy-kit.ts';

/**
 * Researcher credentials: who may apply, read, review and revoke. Called only through `authorize`.
 * Which step an application may take next is the lifecycle's business (`credentials.models.ts`);
 * this file decides only who may act. A reference acts through their one-time link, not an account.
 */
export type CredentialAction =
  /** Edit one's own profile and application, and submit it. */
  | { type: 'credential.apply' }
  | { type: 'credential.read-own' }
  /** See the credentialing queue. */
  | { type: 'credential.queue' }
  /** Read an application with its reference's answer and staff-only notes. */
  | { type: 'credential.inspect'; applicantId: string }
  /** Check identity, return, approve or reject. */
  | { type: 'credential.review'; applicantId: string }
  | { type: 'credential.revoke'; applicantId: string };

function staff(actor: Actor): Decision {
  if (actor.kind === 'anonymous') return deny('sign-in-required');
  if (actor.user.blocked) return deny('user-blocked');
  return hasPlatformRole(actor, 'credentialing', 'admin') ? allow : deny('forbidden');
}

export function authorizeCredential(actor: Actor, action: CredentialAction): Decision {
  switch (action.type) {
    case 'credential.apply':
      return selfMutation(actor);
    case 'credential.read-own':
      return actor.kind === 'anonymous' ? deny('sign-in-required') : allow;
    case 'credential.queue':
      return staff(actor);
    case 'credential.inspect':
    case 'credential.review':
    case 'credential.revoke': {
      const decision = staff(actor);
      if (!decision.allowed || actor.kind === 'anonymous') return decision;
      // Nobody decides, or reads the staff-only side of, their own application.
      if (actor.user.id === action.applicantId) return deny('forbidden');
      if (action.type === 'credential.inspect') return allow;
      return canMutate(actor) ? allow : deny('insufficient-scope');
    }
  }
}
