import type { Actor } from '../access/actor.ts';
import { allow, canMutate, deny, hasPlatformRole, selfMutation, type Decision } from '../access/policy-kit.ts';

/**
 * Trainings: who may take courses, upload certificates, add courses and verify uploads.
 * Called only through `authorize`. Course texts are public, like the catalogue.
 */
export type TrainingAction =
  /** Take a quiz, upload an external certificate. */
  | { type: 'training.take' }
  | { type: 'training.read-own' }
  /** Add or replace a course (platform admins). */
  | { type: 'training.manage' }
  /** See the certificate-check queue. */
  | { type: 'training.check-queue' }
  /** Read one upload and its PDF: its owner or staff. */
  | { type: 'training.read-upload'; ownerId: string }
  /** Accept or reject an upload: staff, never their own. */
  | { type: 'training.verify'; ownerId: string };

function staff(actor: Actor): Decision {
  if (actor.kind === 'anonymous') return deny('sign-in-required');
  if (actor.user.blocked) return deny('user-blocked');
  return hasPlatformRole(actor, 'credentialing', 'admin') ? allow : deny('forbidden');
}

export function authorizeTraining(actor: Actor, action: TrainingAction): Decision {
  switch (action.type) {
    case 'training.take':
      return selfMutation(actor);
    case 'training.read-own':
      return actor.kind === 'anonymous' ? deny('sign-in-required') : allow;
    case 'training.manage': {
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      if (actor.user.blocked) return deny('user-blocked');
      if (!hasPlatformRole(actor, 'admin')) return deny('forbidden');
      return canMutate(actor) ? allow : deny('insufficient-scope');
    }
    case 'training.check-queue':
      return staff(actor);
    case 'training.read-upload':
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      return actor.user.id === action.ownerId ? allow : staff(actor);
    case 'training.verify': {
      const decision = staff(actor);
      if (!decision.allowed || actor.kind === 'anonymous') return decision;
      // Nobody verifies their own certificate.
      if (actor.user.id === action.ownerId) return deny('forbidden');
      return canMutate(actor) ? allow : deny('insufficient-scope');
    }
  }
}
