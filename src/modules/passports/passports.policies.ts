import type { Actor } from '../access/actor.ts';
import { allow, canMutate, deny, hasPlatformRole, selfMutation, type Decision } from '../access/policy-kit.ts';

/** GA4GH passports: who may read their passport, bring in visas, and choose the trusted brokers. */
export type PassportAction =
  /** Get one's own passport, and list the visas one brought in. A read token is enough. */
  | { type: 'passport.read-own' }
  /** Bring in a visa from a trusted broker. */
  | { type: 'passport.submit-visa' }
  /** List, trust and stop trusting external brokers: platform admins only. */
  | { type: 'passport.manage-brokers'; write: boolean };

export function authorizePassport(actor: Actor, action: PassportAction): Decision {
  switch (action.type) {
    case 'passport.read-own':
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      // A blocked user holds nothing another system should honour.
      return actor.user.blocked ? deny('user-blocked') : allow;
    case 'passport.submit-visa':
      return selfMutation(actor);
    case 'passport.manage-brokers':
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      if (actor.user.blocked) return deny('user-blocked');
      if (!hasPlatformRole(actor, 'admin')) return deny('forbidden');
      return !action.write || canMutate(actor) ? allow : deny('insufficient-scope');
  }
}
