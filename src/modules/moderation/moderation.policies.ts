import type { Actor } from '../access/actor.ts';
import { allow, canMutate, deny, hasPlatformRole, type Decision } from '../access/policy-kit.ts';

/**
 * Platform moderation: blocking and unblocking repositories (moderators and admins) and user
 * accounts (admins). Called only through `authorize`.
 */
export type ModerationAction =
  | { type: 'moderation.block-repo' }
  | { type: 'moderation.block-user'; targetUserId: string };

export function authorizeModeration(actor: Actor, action: ModerationAction): Decision {
  if (actor.kind === 'anonymous') return deny('sign-in-required');
  if (actor.user.blocked) return deny('user-blocked');
  switch (action.type) {
    case 'moderation.block-repo':
      if (!hasPlatformRole(actor, 'moderator', 'admin')) return deny('forbidden');
      break;
    case 'moderation.block-user':
      // Admins only, and never themselves: a locked-out last admin could not undo it.
      if (!hasPlatformRole(actor, 'admin') || actor.user.id === action.targetUserId) return deny('forbidden');
      break;
  }
  return canMutate(actor) ? allow : deny('insufficient-scope');
}
