import type { AppDeps } from '../../app/deps.ts';
import { badRequest, conflict } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { actorTokenId, type Actor } from '../access/actor.ts';
import { checkSignature, recordSignature } from '../agreements/agreements.usecases.ts';
import { findAgreementOfRepository, findCurrentVersion, findSignature } from '../agreements/agreements.repository.ts';
import type { AuditContext } from '../audit/audit.repository.ts';
import { dispatchMail } from '../notifications/notifications.usecases.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { applicationRenewals } from './applications.tables.ts';
import { findApplication, findOpenApplication, insertApplication, updateApplicationIf } from './applications.repository.ts';
import { renewSchema } from './applications.schemas.ts';
import {
  checkApplication, checkCredential, checkNotBarred, checkTrainings, grantFor, loadPolicy, notifyReviewers, recordTransition, repoApiBase, repoIdOf, type ApplicationActor,
} from './applications.usecases.ts';
import { findNewestGrant } from './grants.repository.ts';

/**
 * A renewal is a new application that carries over the form answers of the application behind
 * the grant, with a short statement of why the access is still needed. It follows the
 * repository's level like a first application: granted at once at `agreement`, decided by the
 * committee at `reviewed` (nothing is extended because time passed). The old grant keeps working
 * until the renewal is decided; an approval replaces it with a new grant running from then.
 */
export async function renewAccess(deps: AppDeps, actor: Actor & { kind: 'user' }, repo: RepositoryRow, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(renewSchema, input ?? {});
  const now = deps.clock.now();
  const user = actor.user;
  const grant = await findNewestGrant(deps.db, repo.id, user.id);
  if (!grant || grant.revokedAt) {
    throw conflict('no_grant_to_renew', `You hold no grant on ${repoIdOf(repo)} to renew${grant?.revokedAt ? ' (yours was revoked)' : ''}. Apply with POST ${repoApiBase(deps.config.baseUrl, repo)}/access-requests instead.`);
  }
  if (!grant.endsAt) throw conflict('renewal_not_needed', `Your grant on ${repoIdOf(repo)} has no end date, so there is nothing to renew.`);
  const previous = grant.requestId ? await findApplication(deps.db, grant.requestId) : undefined;
  const policy = await loadPolicy(deps.db, repo.id);
  const purpose = data.purpose || previous?.purpose || '';
  // The answers were checked when first given; only the statement is asked again.
  checkApplication(null, {}, purpose, policy);
  await checkNotBarred(deps, user, repo);
  await checkCredential(deps, user, repo, policy);
  await checkTrainings(deps, user, repo, policy);
  const agreement = await findAgreementOfRepository(deps.db, repo.id);
  const current = agreement ? await findCurrentVersion(deps.db, agreement.id) : undefined;
  const alreadySigned = agreement && current ? Boolean(await findSignature(deps.db, user.id, agreement.id, current.version)) : true;
  if (agreement && current && !alreadySigned) {
    if (!data.agreement) throw badRequest('agreement_required', `agreement.version: the agreement "${agreement.title}" changed to version ${current.version}; sign it to renew.`, 'agreement.version');
    checkSignature(user, current, data.agreement, 'agreement.');
  }
  const who: ApplicationActor = { userId: user.id, tokenId: actorTokenId(actor), role: 'applicant', audit };
  const { application, mails } = await deps.db.transaction(async (tx) => {
    const open = await findOpenApplication(tx, repo.id, user.id);
    if (open) throw conflict('application_open', `You already have an open application for ${repoIdOf(repo)} (${open.status}). Follow it at GET /api/access-requests/${open.id}.`);
    if (agreement && current && data.agreement && !alreadySigned) await recordSignature(tx, user, agreement, current, data.agreement, audit, now);
    const submitted = await insertApplication(tx, {
      repoId: repo.id, userId: user.id, status: 'submitted', purpose, fields: previous?.fields ?? {},
      agreementId: current ? agreement!.id : null, agreementVersion: current?.version ?? null, round: 1, createdAt: now, submittedAt: now, updatedAt: now,
    });
    if (!submitted) throw conflict('application_open', `You already have an open application for ${repoIdOf(repo)}.`);
    await tx.insert(applicationRenewals).values({ applicationId: submitted.id, grantId: grant.id, createdAt: now });
    await recordTransition(tx, submitted, who, { action: 'submitted', from: null, to: 'submitted', at: now, comment: 'Renewal', details: { level: repo.accessLevel, renewal: true, grantId: grant.id } });
    if (repo.accessLevel !== 'agreement') return { application: submitted, mails: await notifyReviewers(tx, deps, submitted, repo, user, false, now) };
    const approved = (await updateApplicationIf(tx, submitted.id, 'submitted', { status: 'approved', decidedAt: now, updatedAt: now }))!;
    const system: ApplicationActor = { ...who, role: 'system' };
    await recordTransition(tx, approved, system, { action: 'approved', from: 'submitted', to: 'approved', at: now, details: { automatic: true, renewal: true } });
    await grantFor(tx, approved, user.id, policy, now, system);
    return { application: approved, mails: [] };
  });
  dispatchMail(deps, mails);
  return application;
}
