import type { AppDeps } from '../../app/deps.ts';
import { isAppError } from '../../lib/errors.ts';
import { findAgreementOfRepository, findCurrentVersion, findSignature } from '../agreements/agreements.repository.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import type { Actor } from './actor.ts';
import { ensureAuthorized, loadRepoFacts, repoUrl } from './access.gate.ts';
import { findActiveGrant, findLatestRequest } from './access.repository.ts';
import { findPolicy } from '../applications/applications.repository.ts';
import { hasActiveCredential } from '../credentials/credentials.usecases.ts';
import { conditionsFor } from '../conditions/conditions.usecases.ts';
import { trainingStandingsWithUploads } from '../trainings/trainings.usecases.ts';

export interface Requirement {
  id: 'sign-in' | 'credential' | 'training' | 'agreement' | 'application';
  met: boolean;
  description: string;
  /** What to do when it is not met. */
  howTo?: string;
  /** For a `training` requirement: which one, and until when the caller's certificate holds. */
  training?: { slug: string; title: string; state: 'valid' | 'expired' | 'none'; expiresAt: string | null; uploadPending: boolean };
}

/**
 * The caller's standing on one repository: whether they can download now, every requirement with
 * met or unmet and how to meet it, their application and grant, and the conditions by source.
 * It asks the same gate as a download, so it can never say "yes" where a download says "no".
 */
export async function describeAccess(deps: AppDeps, actor: Actor, repo: RepositoryRow) {
  const now = deps.clock.now();
  const facts = await loadRepoFacts(deps.db, actor, repo, now);
  let download: { allowed: true } | { allowed: false; code: string; message: string } = { allowed: true };
  try {
    await ensureAuthorized(actor, { type: 'repo.download', facts }, { repo, baseUrl: deps.config.baseUrl, db: deps.db, now });
  } catch (error) {
    if (!isAppError(error)) throw error;
    download = { allowed: false, code: error.code, message: error.message };
  }
  const apiBase = `${deps.config.baseUrl}/api/${repo.type === 'dataset' ? 'datasets' : 'models'}/${repo.namespace}/${repo.name}`;
  const gated = repo.accessLevel === 'agreement' || repo.accessLevel === 'reviewed';
  const userId = actor.kind === 'user' ? actor.user.id : null;
  const agreement = await findAgreementOfRepository(deps.db, repo.id);
  const version = agreement ? await findCurrentVersion(deps.db, agreement.id) : undefined;
  const signed = agreement && version && userId ? Boolean(await findSignature(deps.db, userId, agreement.id, version.version)) : false;
  const application = userId ? await findLatestRequest(deps.db, repo.id, userId) : undefined;
  const grant = userId ? await findActiveGrant(deps.db, repo.id, userId, now) : undefined;

  const requirements: Requirement[] = [];
  if (gated) {
    requirements.push({ id: 'sign-in', met: userId !== null, description: 'Be signed in (or pass a token).', howTo: `Sign in at ${deps.config.baseUrl}/login` });
    const policy = await findPolicy(deps.db, repo.id);
    if (policy?.requiresCredential) {
      const credentialed = userId ? await hasActiveCredential(deps.db, userId) : false;
      requirements.push({ id: 'credential', met: credentialed, description: 'Hold researcher credentials (not revoked).', howTo: `Apply at ${deps.config.baseUrl}/settings/credential` });
    }
    for (const t of await trainingStandingsWithUploads(deps.db, userId, policy?.requiredTrainings ?? [], now)) {
      const until = t.expiresAt ? t.expiresAt.toISOString().slice(0, 10) : null;
      requirements.push({
        id: 'training', met: t.state === 'valid',
        description: t.state === 'valid' ? `Hold a valid certificate for "${t.title}" (yours is valid until ${until}).` : t.state === 'expired' ? `Hold a valid certificate for "${t.title}" (yours expired on ${until}).` : `Complete the training "${t.title}".`,
        howTo: t.uploadPending
          ? `Your uploaded certificate is waiting for credentialing staff; follow it at ${deps.config.baseUrl}/settings/trainings`
          : `Take it at ${deps.config.baseUrl}/trainings/${t.slug}${t.hasCourse ? '' : ' (upload an external certificate for staff to check)'}`,
        training: { slug: t.slug, title: t.title, state: t.state, expiresAt: t.expiresAt?.toISOString() ?? null, uploadPending: t.uploadPending },
      });
    }
    if (agreement && version) {
      requirements.push({ id: 'agreement', met: signed, description: `Sign version ${version.version} of "${agreement.title}".`, howTo: `Read and sign it at ${repoUrl(repo, deps.config.baseUrl)}/agreement, or read it at ${apiBase}/agreement and sign it with POST ${deps.config.baseUrl}/api/agreements/${agreement.id}/signatures` });
    }
    requirements.push({
      id: 'application',
      met: Boolean(grant) || facts.role !== null,
      description: repo.accessLevel === 'agreement' ? 'Accept the conditions (granted at once).' : 'Have an application approved by the repository\'s reviewers.',
      howTo: `Apply with POST ${apiBase}/access-requests`,
    });
  }
  return {
    repository: { id: `${repo.namespace}/${repo.name}`, type: repo.type, accessLevel: repo.accessLevel, blocked: repo.blockedAt !== null },
    download,
    member: facts.role !== null,
    requirements,
    application: application ? { id: application.id, status: application.status, createdAt: application.createdAt.toISOString(), decidedAt: application.decidedAt?.toISOString() ?? null, reason: application.rejectionReason } : null,
    grant: grant ? { startsAt: grant.startsAt.toISOString(), endsAt: grant.endsAt?.toISOString() ?? null } : null,
    conditions: [
      ...(agreement && version ? [{ source: 'publisher' as const, title: agreement.title, version: version.version, textSha256: version.textSha256, url: `${apiBase}/agreement` }] : []),
      // Platform-wide, the publisher's own and the committee's special conditions on the caller's grant.
      ...(await conditionsFor(deps.db, repo.id, grant?.id ?? null)),
    ],
  };
}
