import type { Actor } from '../access/actor.ts';
import { allow, deny, hasPlatformRole, type Decision } from '../access/policy-kit.ts';
import type { OrgRole } from '../orgs/orgs.repository.ts';

/**
 * Who may read the audit log. Called only through `authorize`. Reading is not a change, so a
 * read-scoped token is enough; the audit names people and addresses, so the circle is small.
 */
export type AuditPolicyAction =
  /** Export or browse one repository's records: admins of its namespace and platform admins. */
  | { type: 'audit.read-repo'; role: OrgRole | null; visible: boolean }
  /** Search the whole log: platform admins only. */
  | { type: 'audit.search' };

export function authorizeAudit(actor: Actor, action: AuditPolicyAction): Decision {
  if (actor.kind === 'anonymous') return deny('sign-in-required');
  if (actor.user.blocked) return deny('user-blocked');
  switch (action.type) {
    case 'audit.read-repo':
      if (!action.visible) return deny('not-found');
      // `write` members publish but do not read who downloaded what; that is the namespace admins' call.
      return action.role === 'admin' || hasPlatformRole(actor, 'admin') ? allow : deny('forbidden');
    case 'audit.search':
      return hasPlatformRole(actor, 'admin') ? allow : deny('forbidden');
  }
}
