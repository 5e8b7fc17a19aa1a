import type { Db } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';
import { findRoleInNamespace, findRolesInNamespaces } from '../orgs/orgs.repository.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import type { Actor } from './actor.ts';
import { authorize, type Action, type RepoFacts } from './access.policies.ts';
import { denialToError } from './access.models.ts';
import { findActiveGrant, findActiveGrantRepoIds, findLatestRequest, findLatestRequestStatuses } from './access.repository.ts';
import { findAgreementStanding } from '../agreements/agreements.repository.ts';
import type { UnmetRequirement } from './access.policies.ts';
import { findPolicy } from '../applications/applications.repository.ts';
import { credentialStatus, hasActiveCredential } from '../credentials/credentials.usecases.ts';
import { findUnmetTraining } from '../trainings/trainings.usecases.ts';
import { findLapsedGrant } from '../applications/grants.usecases.ts';

/** Application states in which a request still waits on someone (the Hub calls this "pending"). */
const WAITING = new Set(['pending', 'submitted', 'returned']);

/**
 * A grant is valid only while every requirement of the repository holds: checked at every
 * download, so a revoked credential, an expired training or a new agreement version takes effect
 * at the next request. The order is the order of the lead time to fix it: credential (weeks),
 * trainings (minutes to days), agreement (a signature).
 */
async function findUnmetRequirement(db: Db, repoId: string, userId: string, now: Date): Promise<UnmetRequirement | null> {
  // Independent lookups go out together: on PostgreSQL each is a round trip, and the download gate
  // waits for all of them when its cache is cold (after any access change, platform-wide). The
  // credential is asked only when the policy needs it. Asking it speculatively saved a round trip
  // but cost two more queries on every cold decision, and the gate is bound by CPU, not latency:
  // at the benchmark's scale the p95 fell from about 4 ms to about 1 ms without them (bench/NOTES.md).
  const [policy, agreement] = await Promise.all([findPolicy(db, repoId), findAgreementStanding(db, repoId, userId)]);
  if (policy?.requiresCredential && !(await hasActiveCredential(db, userId, now))) return { kind: 'credential', revokedAt: (await credentialStatus(db, userId)).revokedAt };
  const training = policy?.requiredTrainings.length ? await findUnmetTraining(db, userId, policy.requiredTrainings, now) : null;
  if (training) return { kind: 'training', ...training };
  return agreement && !agreement.signed ? { kind: 'agreement', title: agreement.title, version: agreement.version } : null;
}

/** Loads what the policy needs to decide about one actor and one repository. */
export async function loadRepoFacts(db: Db, actor: Actor, repo: RepositoryRow, now = new Date()): Promise<RepoFacts> {
  if (actor.kind === 'anonymous') return { repo, role: null, hasActiveGrant: false, hasPendingRequest: false };
  if (!isGated(repo)) return { repo, role: await findRoleInNamespace(db, actor.user.id, repo.namespace), hasActiveGrant: false, hasPendingRequest: false };
  // Everything a grant holder's download needs goes out at once, the requirements included before
  // knowing whether a grant exists: on PostgreSQL one round trip instead of two on every cold
  // download. Listings do not come here (they batch their facts in `loadViewFacts`), so only a
  // single repository's read pays for requirements it may not need.
  const [role, grant, unmet] = await Promise.all([
    findRoleInNamespace(db, actor.user.id, repo.namespace),
    findActiveGrant(db, repo.id, actor.user.id, now),
    findUnmetRequirement(db, repo.id, actor.user.id, now),
  ]);
  if (role !== null) return { repo, role, hasActiveGrant: false, hasPendingRequest: false };
  if (grant) return { repo, role, hasActiveGrant: true, hasPendingRequest: false, unmetRequirement: unmet };
  const latest = await findLatestRequest(db, repo.id, actor.user.id);
  const pending = latest !== undefined && WAITING.has(latest.status);
  // A refusal names why an earlier grant stopped (revoked with its reason, or ended).
  return { repo, role, hasActiveGrant: false, hasPendingRequest: pending, firstUnmet: unmet, lapsedGrant: pending ? null : await findLapsedGrant(db, repo.id, actor.user.id, now) };
}

const isGated = (repo: RepositoryRow) => repo.accessLevel === 'agreement' || repo.accessLevel === 'reviewed';

/**
 * The facts `loadRepoFacts` gives for each of many repositories, in three queries whatever their
 * number: role, active grant and waiting request. What only a refusal's message or a grant
 * holder's download needs (requirements, lapsed grant) is not loaded, so these facts may answer
 * `repo.view` only; `filterViewable` is the one caller.
 */
export async function loadViewFacts(db: Db, actor: Actor, repos: RepositoryRow[], now: Date): Promise<RepoFacts[]> {
  if (actor.kind === 'anonymous') return repos.map((repo) => ({ repo, role: null, hasActiveGrant: false, hasPendingRequest: false }));
  const gatedIds = repos.filter(isGated).map((r) => r.id);
  const [roles, granted, latest] = await Promise.all([
    findRolesInNamespaces(db, actor.user.id, [...new Set(repos.map((r) => r.namespace))]),
    findActiveGrantRepoIds(db, actor.user.id, gatedIds, now),
    findLatestRequestStatuses(db, actor.user.id, gatedIds),
  ]);
  return repos.map((repo) => {
    const role = roles.get(repo.namespace) ?? null;
    // The same precedence as loadRepoFacts: a role outranks a grant, a grant outranks a request.
    if (!isGated(repo) || role !== null) return { repo, role, hasActiveGrant: false, hasPendingRequest: false };
    if (granted.has(repo.id)) return { repo, role, hasActiveGrant: true, hasPendingRequest: false };
    const status = latest.get(repo.id);
    return { repo, role, hasActiveGrant: false, hasPendingRequest: status !== undefined && WAITING.has(status) };
  });
}

/**
 * The repositories of a listing the actor may see: each passes the same `repo.view` policy as a
 * direct read, with its facts loaded for the whole page at once.
 */
export async function filterViewable<R extends RepositoryRow>(db: Db, actor: Actor, repos: R[], now: Date): Promise<R[]> {
  const facts = await loadViewFacts(db, actor, repos, now);
  return repos.filter((_, i) => authorize(actor, { type: 'repo.view', facts: facts[i]! }).allowed);
}

export const repoUrl = (repo: RepositoryRow, baseUrl: string) => `${baseUrl}/${repo.type === 'dataset' ? 'datasets/' : ''}${repo.namespace}/${repo.name}`;

/**
 * Asks the policy and throws the user-facing error when the answer is no. A refusal for lack of a
 * grant also names the first requirement the user must meet before applying: loaded only then,
 * so listings and allowed requests never pay for it.
 */
export async function ensureAuthorized(actor: Actor, action: Action & { facts: RepoFacts }, ctx: { repo: RepositoryRow; baseUrl: string; db: Db; now: Date }) {
  const decision = authorize(actor, action);
  if (decision.allowed) return;
  const barred = action.facts.lapsedGrant?.kind === 'revoked' && action.facts.lapsedGrant.barred;
  // Loaded with the facts of a single repository; asked here only when the facts came without it.
  const firstUnmet = decision.reason === 'no-grant' && actor.kind === 'user' && !barred
    ? action.facts.firstUnmet !== undefined ? action.facts.firstUnmet : await findUnmetRequirement(ctx.db, ctx.repo.id, actor.user.id, ctx.now)
    : null;
  if (decision.reason === 'sign-in-required' && action.type !== 'repo.download' && action.type !== 'repo.request-access') {
    // Only getting at the files is "gated"; for anything else (uploads, settings) a missing sign-in is a plain 401.
    throw new AppError('authentication_required', 401, 'Sign in, or pass a token in the Authorization header (create one under Settings → Tokens), to do this.');
  }
  throw denialToError(decision.reason, {
    repoType: ctx.repo.type,
    repoId: `${ctx.repo.namespace}/${ctx.repo.name}`,
    repoUrl: repoUrl(ctx.repo, ctx.baseUrl),
    accessLevel: ctx.repo.accessLevel,
    blockedAt: ctx.repo.blockedAt,
    blockedReason: ctx.repo.blockedReason,
    unmetRequirement: action.facts.unmetRequirement,
    embargo: action.facts.embargo,
    lapsedGrant: action.facts.lapsedGrant,
    firstUnmet,
    // The agreement page, where a browser signs it (the API reads it at /api/…/agreement).
    agreementUrl: `${repoUrl(ctx.repo, ctx.baseUrl)}/agreement`,
    baseUrl: ctx.baseUrl,
  });
}

