import type { AppDeps } from '../../app/deps.ts';
import { sha256Hex } from '../../lib/crypto.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import type { AuditContext } from '../audit/audit.repository.ts';
import { referenceLinkState, type ReferenceLinkState } from './credentials.models.ts';
import { findApplication, findReferenceByTokenHash, lockApplication, lockReferenceByTokenHash, recordReferenceResponse } from './credentials.repository.ts';
import { recordTransition } from './credentials.usecases.ts';

/**
 * The reference answers through the link they were mailed. Holding the link is the credential
 * (they have no account), so it works once, for 30 days, and only while it is the current request.
 */

const invalidLink = () => notFound('reference_link_invalid', 'This reference link is not valid. Check that you opened the whole link from the mail.');

/** Looks the token up by its hash; a token that is not even well-formed is not looked up at all. */
const tokenHashOf = (token: string) => (/^[A-Za-z0-9_-]{32,128}$/.test(token) ? sha256Hex(token) : null);

const LINK_ERRORS: Record<Exclude<ReferenceLinkState, 'open'>, () => AppError> = {
  answered: () => new AppError('reference_already_answered', 409, 'This link has already been used: your answer is recorded. Thank you. Nothing more is needed.'),
  expired: () => new AppError('reference_link_expired', 410, 'This link has expired (links work for 30 days). If you still wish to answer, ask the applicant to request a new link: you will get a new mail.'),
  superseded: () => new AppError('reference_link_replaced', 410, 'This link was replaced by a newer request. Use the link in the most recent mail.'),
  closed: () => new AppError('reference_not_needed', 410, 'The application has been decided; your answer is no longer needed. Thank you.'),
};

/** The request behind a link, with what the reference is asked to vouch for. */
export async function loadReferenceRequest(deps: AppDeps, token: string) {
  const hash = tokenHashOf(token);
  const request = hash ? await findReferenceByTokenHash(deps.db, hash) : undefined;
  const application = request ? await findApplication(deps.db, request.applicationId) : undefined;
  if (!request || !application) throw invalidLink();
  return { request, application, state: referenceLinkState(request, application.status, deps.clock.now()) };
}

export const referenceLinkError = (state: Exclude<ReferenceLinkState, 'open'>) => LINK_ERRORS[state]();

/** Records the reference's answer once. Neither the token nor its hash reaches the event or the audit log. */
export async function answerReference(deps: AppDeps, token: string, data: { response: 'confirm' | 'decline'; note: string | null }, audit: AuditContext = {}) {
  const hash = tokenHashOf(token);
  if (!hash) throw invalidLink();
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const request = await lockReferenceByTokenHash(tx, hash);
    const application = request ? await lockApplication(tx, request.applicationId) : undefined;
    if (!request || !application) throw invalidLink();
    const state = referenceLinkState(request, application.status, now);
    if (state !== 'open') throw referenceLinkError(state);
    const saved = await recordReferenceResponse(tx, request.id, { response: data.response, note: data.note, respondedAt: now });
    if (!saved) throw referenceLinkError('answered');
    await recordTransition(tx, application, { userId: null, tokenId: null, role: 'reference', audit }, {
      action: data.response === 'confirm' ? 'reference_confirmed' : 'reference_declined', at: now, details: { referenceRequestId: request.id },
    });
    return { request: saved, application };
  });
}
