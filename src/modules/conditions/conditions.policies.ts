import type { Actor } from '../access/actor.ts';
import { allow, canMutate, deny, hasPlatformRole, type Decision } from '../access/policy-kit.ts';

/** Conditions: anyone reads them (they are terms, public like the card); platform admins set the platform's own. */
export type ConditionAction = { type: 'condition.manage-platform' };

export function authorizeCondition(actor: Actor, action: ConditionAction): Decision {
  switch (action.type) {
    case 'condition.manage-platform':
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      if (actor.user.blocked) return deny('user-blocked');
      if (!hasPlatformRole(actor, 'admin')) return deny('forbidden');
      return canMutate(actor) ? allow : deny('insufficient-scope');
  }
}
