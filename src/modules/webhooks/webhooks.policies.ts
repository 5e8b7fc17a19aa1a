import type { Actor } from '../access/actor.ts';
import type { OrgRole } from '../orgs/orgs.repository.ts';
import { allow, canMutate, deny, hasPlatformRole, type Decision } from '../access/policy-kit.ts';

/**
 * Webhooks: publishers manage the endpoints of their repositories (members with `admin` or
 * `write`) and of their organisations (`admin` only, since an organisation's endpoint hears about
 * every repository in it). Platform admins set the platform-wide rules.
 */
export type WebhookAction =
  | { type: 'webhook.manage'; scope: 'repo' | 'org'; role: OrgRole | null; write: boolean }
  | { type: 'webhook.settings'; write: boolean };

export function authorizeWebhook(actor: Actor, action: WebhookAction): Decision {
  if (actor.kind === 'anonymous') return deny('sign-in-required');
  if (actor.user.blocked) return deny('user-blocked');
  switch (action.type) {
    case 'webhook.manage': {
      const publisher = action.scope === 'org' ? action.role === 'admin' : action.role === 'admin' || action.role === 'write';
      if (!publisher) return deny('forbidden');
      return !action.write || canMutate(actor) ? allow : deny('insufficient-scope');
    }
    case 'webhook.settings':
      if (!hasPlatformRole(actor, 'admin')) return deny('forbidden');
      return !action.write || canMutate(actor) ? allow : deny('insufficient-scope');
  }
}
