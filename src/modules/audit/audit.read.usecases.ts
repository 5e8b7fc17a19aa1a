import type { AppDeps } from '../../app/deps.ts';
import { AppError, badRequest, forbidden, unauthenticated } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import type { Actor } from '../access/actor.ts';
import { findRepository, type RepositoryRow } from '../repos/repos.repository.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { findUserByUsername } from '../users/users.repository.ts';
import type { AuditPolicyAction } from './audit.policies.ts';
import { auditSearchSchema, type AuditSearch } from './audit.schemas.ts';
import { searchAuditEvents } from './audit.search.repository.ts';

export const AUDIT_PAGE_SIZE = 50;

/** Asks `authorize` and turns a refusal into the error the caller sees. */
export function ensureAuditAllowed(actor: Actor, action: AuditPolicyAction) {
  const decision = authorize(actor, action);
  if (decision.allowed) return;
  switch (decision.reason) {
    case 'sign-in-required': throw unauthenticated('Sign in, or pass a token, to read the audit log.');
    case 'user-blocked': throw new AppError('user_blocked', 403, 'Your account is blocked. Contact the platform administrators.');
    case 'not-found': throw new AppError('repo_not_found', 404, 'Repository not found, or you do not have access to it.');
    default: throw forbidden(action.type === 'audit.search'
      ? 'Only platform admins search the whole audit log.'
      : "Only admins of the repository's owner, and platform admins, read a repository's audit records.");
  }
}

/** Loads a repository whose audit records the actor may read. */
export async function loadRepoForAudit(deps: AppDeps, actor: Actor, ref: { type: RepoType; namespace: string; name: string }): Promise<RepositoryRow> {
  const { repo, facts } = await loadRepositoryFor(deps, actor, 'repo.view', ref);
  ensureAuditAllowed(actor, { type: 'audit.read-repo', role: facts.role, visible: true });
  return repo;
}

export type AuditRow = Awaited<ReturnType<typeof searchAuditEvents>>[number];

export interface AuditPage {
  filters: AuditSearch;
  rows: AuditRow[];
  /** The `before` cursor of the next (older) page, or null on the last page. */
  next: number | null;
}

async function page(deps: AppDeps, filters: AuditSearch, ids: { actorUserId?: string; repoId?: string }): Promise<AuditPage> {
  const rows = await searchAuditEvents(deps.db, { ...ids, action: filters.action, from: filters.from, to: filters.to, beforeSeq: filters.before, limit: AUDIT_PAGE_SIZE + 1 });
  const more = rows.length > AUDIT_PAGE_SIZE;
  const shown = rows.slice(0, AUDIT_PAGE_SIZE);
  return { filters, rows: shown, next: more ? shown[shown.length - 1]!.event.seq : null };
}

/** The admin search over the whole log. Names that match nothing are refused, naming the field. */
export async function searchWholeLog(deps: AppDeps, actor: Actor, input: unknown): Promise<AuditPage> {
  ensureAuditAllowed(actor, { type: 'audit.search' });
  const filters = parseInput(auditSearchSchema, input);
  let actorUserId: string | undefined;
  let repoId: string | undefined;
  if (filters.user) {
    const user = await findUserByUsername(deps.db, filters.user);
    if (!user) throw badRequest('invalid_input', `user: no user is named "${filters.user}".`, 'user');
    actorUserId = user.id;
  }
  if (filters.repo) {
    const dataset = filters.repo.startsWith('datasets/');
    const [namespace, name] = (dataset ? filters.repo.slice('datasets/'.length) : filters.repo).split('/') as [string, string];
    const repo = await findRepository(deps.db, dataset ? 'dataset' : 'model', namespace, name);
    if (!repo) throw badRequest('invalid_input', `repo: no ${dataset ? 'dataset' : 'model'} is named "${namespace}/${name}" (prefix datasets/ for a dataset).`, 'repo');
    repoId = repo.id;
  }
  return page(deps, filters, { actorUserId, repoId });
}

/** One repository's records, newest first, for its audit page. */
export async function listRepoLog(deps: AppDeps, repo: RepositoryRow, input: unknown): Promise<AuditPage> {
  const filters = parseInput(auditSearchSchema, input);
  return page(deps, { ...filters, user: undefined, repo: undefined }, { repoId: repo.id });
}

export const presentAuditRow = (row: AuditRow) => ({
  seq: row.event.seq,
  at: row.event.at.toISOString(),
  action: row.event.action,
  user: row.username,
  actorUserId: row.event.actorUserId,
  actorTokenId: row.event.actorTokenId,
  repo: row.repoNamespace ? `${row.repoType === 'dataset' ? 'datasets/' : ''}${row.repoNamespace}/${row.repoName}` : null,
  ip: row.event.ip,
  details: row.event.details,
});
