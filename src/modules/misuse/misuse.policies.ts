import type { Actor } from '../access/actor.ts';
import { allow, canMutate, deny, hasPlatformRole, type Decision } from '../access/policy-kit.ts';

/**
 * Misuse reports: anyone may file one (an anonymous reporter leaves an email), reporters read
 * their own, moderators triage. Called only through `authorize`.
 */
export type MisuseAction =
  | { type: 'misuse.report' }
  | { type: 'misuse.read-own' }
  /** The queue and a report in full (reporter, evidence, history). */
  | { type: 'misuse.inspect' }
  /** Acknowledge, dismiss, contact the publisher, block, revoke grants, resolve. */
  | { type: 'misuse.triage' };

export function authorizeMisuse(actor: Actor, action: MisuseAction): Decision {
  switch (action.type) {
    case 'misuse.report':
      // Reporting must not need an account; a signed-in reporter must be able to act, though.
      if (actor.kind === 'anonymous') return allow;
      if (actor.user.blocked) return deny('user-blocked');
      return canMutate(actor) ? allow : deny('insufficient-scope');
    case 'misuse.read-own':
      return actor.kind === 'anonymous' ? deny('sign-in-required') : allow;
    case 'misuse.inspect':
    case 'misuse.triage': {
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      if (actor.user.blocked) return deny('user-blocked');
      if (!hasPlatformRole(actor, 'moderator', 'admin')) return deny('forbidden');
      if (action.type === 'misuse.inspect') return allow;
      return canMutate(actor) ? allow : deny('insufficient-scope');
    }
  }
}
