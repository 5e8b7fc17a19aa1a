import type { Actor } from './actor.ts';

/**
 * The vocabulary shared by `authorize` and the per-domain policy files it delegates to.
 * Domain files decide only through these helpers, so every decision has the same shape.
 */

export type DenyReason =
  | 'not-found'
  | 'sign-in-required'
  | 'no-grant'
  | 'request-pending'
  | 'requirement-unmet'
  | 'no-download'
  /** The file's release stage holds it back until a date (release schedule). */
  | 'embargoed'
  | 'repo-blocked'
  | 'user-blocked'
  | 'insufficient-scope'
  | 'forbidden';

export type Decision = { allowed: true } | { allowed: false; reason: DenyReason };

export const allow: Decision = { allowed: true };
export const deny = (reason: DenyReason): Decision => ({ allowed: false, reason });

/** Changes need a session or a write-scoped token; a read token can never change anything. */
export const canMutate = (actor: Actor) => actor.kind === 'user' && (actor.via === 'session' || actor.token.scope === 'write');

export const hasPlatformRole = (actor: Actor, ...roles: string[]) => actor.kind === 'user' && actor.user.platformRoles.some((r) => roles.includes(r));

/** A signed-in, unblocked user who may change their own records (the common case for "self" actions). */
export function selfMutation(actor: Actor): Decision {
  if (actor.kind === 'anonymous') return deny('sign-in-required');
  if (actor.user.blocked) return deny('user-blocked');
  return canMutate(actor) ? allow : deny('insufficient-scope');
}
