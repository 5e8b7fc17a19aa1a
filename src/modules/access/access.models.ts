import { AppError } from '../../lib/errors.ts';
import type { DenyReason, UnmetRequirement } from './access.policies.ts';
import type { LapsedGrant } from '../applications/grants.usecases.ts';

export interface DenialContext {
  /** The release stage's embargo, for an `embargoed` denial. */
  embargo?: { stage: string; until: Date } | null;
  /** What the actor still has to do, for a `requirement-unmet` denial. */
  unmetRequirement?: UnmetRequirement | null;
  /** Why the actor's last grant stopped, for a `no-grant` denial. */
  lapsedGrant?: LapsedGrant | null;
  /** For a `no-grant` denial: the first requirement of the policy the user must meet before applying, if any. */
  firstUnmet?: UnmetRequirement | null;
  /** The agreement's address, for messages that ask to sign it. */
  agreementUrl?: string;
  /** The platform's address, for links to account pages. */
  baseUrl?: string;
  /** `model` or `dataset`, as the Hub words it. */
  repoType: 'model' | 'dataset';
  repoId: string;
  /** Where a user can read the conditions and apply. */
  repoUrl: string;
  accessLevel: string;
  blockedAt?: Date | null;
  blockedReason?: string | null;
}

/**
 * Turns a denial into the error the user sees. Gate answers always carry `X-Error-Code: GatedRepo`,
 * because the Python client shows a vague message for a 403 without a code.
 */
export function denialToError(reason: DenyReason, ctx: DenialContext): AppError {
  const gated = (status: number, code: string, message: string) => new AppError(code, status, message, { hubCode: 'GatedRepo' });
  switch (reason) {
    case 'not-found':
      return new AppError('repo_not_found', 404, `Repository not found: ${ctx.repoType} ${ctx.repoId} does not exist, or you do not have access to it. If it is private, sign in or pass a token of a member.`, { hubCode: 'RepoNotFound' });
    case 'sign-in-required':
      return gated(401, 'gated_sign_in_required', `Access to ${ctx.repoType} ${ctx.repoId} is restricted. You must have access to it and be authenticated to access it. Please log in (pass an Airlock token, for example HF_TOKEN=hf_...). Request access at ${ctx.repoUrl}`);
    case 'no-grant': {
      const first = firstStep(ctx);
      if (ctx.lapsedGrant?.kind === 'revoked') {
        const again = ctx.lapsedGrant.barred ? 'You may not apply again.' : `To download again you need an approved access application${first ? `, and before applying ${first}. Then apply` : ': apply'} at ${ctx.repoUrl}`;
        return gated(403, 'gated_grant_revoked', `Access to ${ctx.repoType} ${ctx.repoId} is restricted: your access was revoked on ${ctx.lapsedGrant.at.toISOString().slice(0, 10)}. Reason: ${ctx.lapsedGrant.reason ?? 'not given'}. ${again}`);
      }
      if (ctx.lapsedGrant?.kind === 'expired') {
        return gated(403, 'gated_grant_expired', `Access to ${ctx.repoType} ${ctx.repoId} is restricted: your grant ended on ${ctx.lapsedGrant.at.toISOString().slice(0, 10)}. ${first ? `Before renewing, ${first}. Then renew` : 'Renew'} it at ${ctx.repoUrl}/apply?renew=1 (an approved access application is needed again).`);
      }
      if (ctx.accessLevel === 'agreement') {
        return gated(403, 'gated_no_access', `Access to ${ctx.repoType} ${ctx.repoId} is restricted: you have not accepted its conditions. ${first ? `First, ${first}. Then read` : 'Read'} and accept them at ${ctx.repoUrl} to get access at once.`);
      }
      return gated(403, 'gated_no_access', first
        ? `Access to ${ctx.repoType} ${ctx.repoId} is restricted: you need an approved access application, and before applying ${first}. Then apply at ${ctx.repoUrl}`
        : `Access to ${ctx.repoType} ${ctx.repoId} is restricted: you need an approved access application. Apply at ${ctx.repoUrl}${ctx.firstUnmet?.kind === 'agreement' ? ` (the application signs version ${ctx.firstUnmet.version} of its agreement "${ctx.firstUnmet.title}")` : ''}`);
    }
    case 'requirement-unmet': {
      const unmet = ctx.unmetRequirement;
      if (unmet?.kind === 'agreement') {
        return gated(403, 'gated_agreement_unsigned', `Access to ${ctx.repoType} ${ctx.repoId} is paused: its agreement "${unmet.title}" changed to version ${unmet.version}, which you have not signed. Read and sign it at ${ctx.agreementUrl ?? ctx.repoUrl}, then download again.`);
      }
      if (unmet?.kind === 'training') {
        const why = unmet.expiredAt ? `your certificate for it expired on ${unmet.expiredAt.toISOString().slice(0, 10)}` : 'you have not completed it';
        return gated(403, 'gated_training_required', `Access to ${ctx.repoType} ${ctx.repoId} requires the training "${unmet.title}", and ${why}. Take it (or upload an accepted certificate) at ${ctx.baseUrl ?? ''}/trainings/${unmet.slug}, then download again.`);
      }
      const held = unmet?.kind === 'credential' && unmet.revokedAt ? `your researcher credentials were revoked on ${unmet.revokedAt.toISOString().slice(0, 10)}` : 'you do not hold it';
      return gated(403, 'gated_credential_required', `Access to ${ctx.repoType} ${ctx.repoId} requires credentialed researcher status, and ${held}. Apply at ${ctx.baseUrl ?? ''}/settings/credential`);
    }
    case 'request-pending':
      return gated(403, 'gated_request_pending', `Your request to access ${ctx.repoType} ${ctx.repoId} is awaiting a review from the repository authors. Follow its status at ${ctx.repoUrl}`);
    case 'embargoed': {
      const embargo = ctx.embargo;
      const until = embargo ? embargo.until.toISOString() : 'a later date';
      return gated(403, 'gated_embargoed', `Access to this file of ${ctx.repoType} ${ctx.repoId} is restricted: its release stage "${embargo?.stage ?? ''}" is under embargo until ${until}, and only the publisher can download it before then. See the release schedule at ${ctx.repoUrl}`);
    }
    case 'no-download':
      return gated(403, 'download_disabled', `The files of ${ctx.repoType} ${ctx.repoId} cannot be downloaded: its publisher released the card and discussion only. See ${ctx.repoUrl}`);
    case 'repo-blocked': {
      const since = ctx.blockedAt ? ` since ${ctx.blockedAt.toISOString()}` : '';
      return gated(403, 'repo_blocked', `Access to this resource is disabled: ${ctx.repoType} ${ctx.repoId} has been blocked by the platform moderators${since}. Reason: ${ctx.blockedReason ?? 'not given'}. See ${ctx.repoUrl}`);
    }
    case 'user-blocked':
      return gated(403, 'user_blocked', 'Your account is blocked, so it cannot download files. Contact the platform administrators.');
    case 'insufficient-scope':
      return new AppError('insufficient_scope', 403, 'This token is read-only. Create a token with the "write" scope for changes.');
    case 'forbidden':
      return new AppError('forbidden', 403, `You are not allowed to do this on ${ctx.repoType} ${ctx.repoId}. Ask an admin of its organisation for the role you need.`);
  }
}

/**
 * What a user without a grant must do before an application can succeed, as a clause ("you must
 * complete the training … at <url>"): a credential or a training, which take time. An unsigned
 * agreement is no separate step: the application itself signs it.
 */
function firstStep(ctx: DenialContext): string | null {
  const unmet = ctx.firstUnmet;
  const base = ctx.baseUrl ?? '';
  if (unmet?.kind === 'credential') {
    return unmet.revokedAt
      ? `you must hold researcher credentials again (yours were revoked on ${unmet.revokedAt.toISOString().slice(0, 10)}): apply for them at ${base}/settings/credential`
      : `you must hold researcher credentials: apply for them at ${base}/settings/credential`;
  }
  if (unmet?.kind === 'training') {
    return unmet.expiredAt
      ? `you must renew the training "${unmet.title}" (your certificate expired on ${unmet.expiredAt.toISOString().slice(0, 10)}) at ${base}/trainings/${unmet.slug}`
      : `you must complete the training "${unmet.title}" at ${base}/trainings/${unmet.slug}`;
  }
  return null;
}
