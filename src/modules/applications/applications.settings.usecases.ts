import type { AppDeps } from '../../app/deps.ts';
import { notFound } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { actorTokenId, type Actor } from '../access/actor.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { findUserByUsername } from '../users/users.repository.ts';
import { deleteReviewer, insertReviewer, listReviewers, upsertPolicy } from './applications.repository.ts';
import { policySchema } from './applications.schemas.ts';
import { loadForm, loadPolicy } from './applications.usecases.ts';
import { checkTrainingSlugs } from '../trainings/trainings.usecases.ts';

/** The repository's access policy as applicants and publishers read it, with the form in force. */
export async function readAccessPolicy(deps: AppDeps, repo: RepositoryRow) {
  const policy = await loadPolicy(deps.db, repo.id);
  const form = await loadForm(deps, repo, policy);
  const committee = await listReviewers(deps.db, repo.id);
  return { policy, form, committeeSize: committee.length };
}

/** Replaces the policy (a PUT: what is left out takes its default). */
export async function saveAccessPolicy(deps: AppDeps, actor: Actor & { kind: 'user' }, repo: RepositoryRow, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(policySchema, input);
  await checkTrainingSlugs(deps.db, data.requiredTrainings);
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const before = await loadPolicy(tx, repo.id);
    await upsertPolicy(tx, { repoId: repo.id, ...data, updatedBy: actor.user.id, updatedAt: now });
    await recordAuditEvent(tx, { action: 'access_policy.changed', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { before, after: data } });
  });
  return readAccessPolicy(deps, repo);
}

async function findReviewerUser(deps: AppDeps, username: string) {
  const user = await findUserByUsername(deps.db, username);
  if (!user) throw notFound('user_not_found', `No user named "${username}".`, { field: 'username' });
  return user;
}

export async function addReviewer(deps: AppDeps, actor: Actor & { kind: 'user' }, repo: RepositoryRow, username: string, audit: AuditContext = {}) {
  const user = await findReviewerUser(deps, username);
  return deps.db.transaction(async (tx) => {
    const added = await insertReviewer(tx, { repoId: repo.id, userId: user.id, addedBy: actor.user.id, createdAt: deps.clock.now() });
    if (added) await recordAuditEvent(tx, { action: 'reviewer.added', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { user: user.username } });
    return { user, added: Boolean(added) };
  });
}

export async function removeReviewer(deps: AppDeps, actor: Actor & { kind: 'user' }, repo: RepositoryRow, username: string, audit: AuditContext = {}) {
  const user = await findReviewerUser(deps, username);
  await deps.db.transaction(async (tx) => {
    if ((await deleteReviewer(tx, repo.id, user.id)) === 0) throw notFound('reviewer_not_found', `${user.username} is not a reviewer of ${repo.namespace}/${repo.name}.`, { field: 'username' });
    await recordAuditEvent(tx, { action: 'reviewer.removed', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { user: user.username } });
  });
  return user;
}

export const loadReviewers = (deps: AppDeps, repo: RepositoryRow) => listReviewers(deps.db, repo.id);
