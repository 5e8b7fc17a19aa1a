import type { Readable } from 'node:stream';
import type { AppDeps } from '../../app/deps.ts';
import type { Db } from '../../db/client.ts';
import { AppError, conflict, notFound, unauthenticated } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import { ensureAuthorized, filterViewable, loadRepoFacts } from '../access/access.usecases.ts';
import { type Actor, actorTokenId, actorUserId } from '../access/actor.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { findRoleInNamespace } from '../orgs/orgs.repository.ts';
import { denialToError } from '../access/access.models.ts';
import { assertLevelChangeAllowed } from '../assessments/assessments.release-rule.ts';
import { assertValidName, COMMIT_ID_PATTERN, computeRevisionId, isLfsFile, parseCardFrontMatter, validateFilePath, type RevisionFileEntry } from './repos.models.ts';
import {
  findBlobs, findRef, findRepoBlobs, findRepository, findRevision, insertRepository, insertRevisionWithFiles, listRepositoryCandidates, listRevisionFiles,
  moveBranch, recordRepoBlob, updateRepository, upsertBlob, upsertTag, type RepositoryRow, type RevisionFileRow, type RevisionRow,
} from './repos.repository.ts';
import { findUserById } from '../users/users.repository.ts';
import { commitSchema, createRepositorySchema, tagSchema, updateRepositorySchema, type CommitInput, type CreateRepositoryInput } from './repos.schemas.ts';
import type { RepoType } from './repos.tables.ts';

export const repoNotFound = (type: RepoType, id: string) =>
  new AppError('repo_not_found', 404, `Repository not found: ${type} ${id} does not exist, or you do not have access to it. If it is private, sign in or pass a token of a member.`, { hubCode: 'RepoNotFound' });

export async function createRepository(deps: AppDeps, actor: Actor, input: CreateRepositoryInput, audit: AuditContext = {}) {
  // Who asks comes before what they sent: an anonymous caller hears "sign in", not a field error.
  if (actor.kind === 'anonymous') throw unauthenticated('Sign in or pass a write token in the Authorization header to create a repository.');
  const data = parseInput(createRepositorySchema, input);
  const [namespace, name] = data.repo.split('/') as [string, string];
  assertValidName(namespace, 'repo');
  assertValidName(name, 'repo');
  const role = actor.kind === 'user' ? await findRoleInNamespace(deps.db, actor.user.id, namespace) : null;
  const decision = authorize(actor, { type: 'repo.create', namespaceRole: role });
  if (!decision.allowed) {
    if (decision.reason === 'forbidden') throw new AppError('forbidden', 403, `You cannot create repositories under "${namespace}". Use your own username, or ask an admin of that organisation for the write role.`, { field: 'repo' });
    throw denialToError(decision.reason, { repoType: data.type, repoId: data.repo, repoUrl: deps.config.baseUrl, accessLevel: data.accessLevel });
  }
  // Under strict release review nothing is created gated before an assessment exists to argue for it.
  if (deps.config.releaseReview === 'strict' && (data.accessLevel === 'agreement' || data.accessLevel === 'reviewed')) {
    throw new AppError('assessment_required', 409, `accessLevel: this platform reviews releases before they are gated. Create ${data.repo} at "no-download", submit a risk–benefit assessment arguing for "${data.accessLevel}" on its assessment page, then change the level.`, { field: 'accessLevel' });
  }
  const userId = actorUserId(actor)!;
  return deps.db.transaction(async (tx) => {
    if (await findRepository(tx, data.type, namespace, name)) throw conflict('repo_exists', `The ${data.type} ${namespace}/${name} exists already. Choose another name.`, 'repo');
    const repo = await insertRepository(tx, { type: data.type, namespace, name, private: data.private, accessLevel: data.accessLevel, createdBy: userId });
    // Every repository starts with an empty first revision so `main` always resolves, as on the Hub.
    await writeRevision(tx, repo, { branch: 'main', parentId: null, authorId: userId, message: 'Initial commit', files: [], cardMetadata: {} });
    await recordAuditEvent(tx, { action: 'repo.created', actorUserId: userId, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { repo: data.repo, type: data.type, private: data.private, accessLevel: data.accessLevel } });
    return repo;
  });
}

/** Loads a repository and checks `action` against it. An invisible repository is a 404, never a 403. */
export async function loadRepositoryFor(
  deps: AppDeps,
  actor: Actor,
  action: 'repo.view' | 'repo.download' | 'repo.write' | 'repo.view-access-requests' | 'repo.manage-access' | 'repo.request-access',
  ref: { type: RepoType; namespace: string; name: string },
) {
  const repo = await findRepository(deps.db, ref.type, ref.namespace, ref.name);
  if (!repo) throw repoNotFound(ref.type, `${ref.namespace}/${ref.name}`);
  const now = deps.clock.now();
  const facts = await loadRepoFacts(deps.db, actor, repo, now);
  await ensureAuthorized(actor, { type: action, facts }, { repo, baseUrl: deps.config.baseUrl, db: deps.db, now });
  return { repo, facts };
}

/**
 * The catalogue: repositories the actor may see, newest first. The query only narrows the
 * candidates; each row then passes the same `repo.view` policy as a direct read, so a listing can
 * never show what opening the repository would refuse.
 */
export async function listVisibleRepositories(deps: AppDeps, actor: Actor, options: { search?: string; type?: RepoType; limit: number; offset: number }) {
  const candidates = await listRepositoryCandidates(deps.db, {
    ...options,
    userId: actor.kind === 'user' ? actor.user.id : null,
    username: actor.kind === 'user' ? actor.user.username : null,
    includeAllPrivate: actor.kind === 'user' && actor.user.platformRoles.some((r) => r === 'admin' || r === 'moderator'),
  });
  return filterViewable(deps.db, actor, candidates, deps.clock.now());
}

export interface RepositoryOverview {
  revision: RevisionRow;
  files: RevisionFileRow[];
  /** The model card's markdown without its front matter, or null when there is no README.md. */
  cardBody: string | null;
  cardMetadata: Record<string, unknown>;
  /** Who blocked the repository, when it is blocked. */
  blockedBy: string | null;
}

/**
 * What a repository page shows of a branch: its files and model card. The card is readable
 * whenever the repository is visible, so callers must have checked `repo.view` only.
 */
export async function readRepositoryOverview(deps: AppDeps, repo: RepositoryRow, revisionName = 'main'): Promise<RepositoryOverview> {
  const revision = await resolveRevision(deps.db, repo, revisionName);
  const files = await listRevisionFiles(deps.db, revision.id);
  const readme = files.find((f) => f.path === 'README.md');
  const cardBody = readme ? parseCardFrontMatter(await readSmallBlob(deps, readme.blobSha256, readme.size)).body : null;
  const blockedBy = repo.blockedBy ? (await findUserById(deps.db, repo.blockedBy))?.username ?? null : null;
  return { revision, files, cardBody, cardMetadata: revision.cardMetadata ?? {}, blockedBy };
}

/** Resolves a branch, tag, 40-hex commit id or `HEAD` (the main branch) to a revision. */
export async function resolveRevision(db: Db, repo: RepositoryRow, revision: string, field?: string): Promise<RevisionRow> {
  const name = revision === 'HEAD' ? 'main' : revision;
  const ref = (await findRef(db, repo.id, 'branch', name)) ?? (await findRef(db, repo.id, 'tag', name));
  const found = ref ? await findRevision(db, repo.id, ref.revisionId) : COMMIT_ID_PATTERN.test(name) ? await findRevision(db, repo.id, name) : undefined;
  if (!found) {
    throw notFound('revision_not_found', `Revision not found: ${revision} is not a branch, tag or commit of ${repo.namespace}/${repo.name}. List its refs with the repository API, or use "main".`, { hubCode: 'RevisionNotFound', field });
  }
  return found;
}

export async function updateRepositorySettings(deps: AppDeps, actor: Actor, repo: RepositoryRow, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(updateRepositorySchema, input);
  await deps.db.transaction(async (tx) => {
    // The release rule (risk–benefit assessments): opening up, or gating an open repository, needs a submitted assessment.
    if (data.accessLevel !== undefined) await assertLevelChangeAllowed(tx, repo, data.accessLevel, deps.config.baseUrl);
    await updateRepository(tx, repo.id, data);
    await recordAuditEvent(tx, { action: 'repo.settings_changed', actorUserId: actorUserId(actor), actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { before: { private: repo.private, accessLevel: repo.accessLevel }, after: data } });
  });
}

/**
 * Stores an uploaded body as a blob, uploaded to `repo` by `actor`. It is not part of any revision
 * until a commit to that repository references it.
 */
export async function storeUpload(deps: AppDeps, actor: Actor, repo: RepositoryRow, body: Readable, expectedSize: number | undefined) {
  const blob = await deps.blobs.put(body, { expectedSize });
  await deps.db.transaction(async (tx) => {
    await upsertBlob(tx, blob);
    await recordRepoBlob(tx, { repoId: repo.id, blobSha256: blob.sha256, uploadedBy: actorUserId(actor)! });
  });
  // On S3, garbage collection cannot move a blob aside atomically: a collector deleting the old copy
  // of these same bytes may have removed ours too. Its row lock orders that delete before our insert,
  // so checking now is enough; the row stays, harmless, until the bytes arrive again or gc takes it.
  if (!(await deps.blobs.exists(blob.sha256))) {
    throw new AppError('storage_conflict', 503, 'The upload was removed by a concurrent storage cleanup. Upload the file again.', { headers: { 'Retry-After': '1' } });
  }
  return blob;
}

export const MAX_CARD_BYTES = 1024 * 1024;

async function readSmallBlob(deps: AppDeps, sha256: string, size: number): Promise<string> {
  if (size > MAX_CARD_BYTES) throw new AppError('invalid_card', 400, `README.md is ${size} bytes; a model card may be at most ${MAX_CARD_BYTES} bytes.`, { field: 'README.md' });
  const chunks: Buffer[] = [];
  for await (const chunk of deps.blobs.read(sha256)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Applies a set of add/delete operations to a branch as one new revision: all files or none.
 * The branch moves by compare-and-set, so two concurrent commits cannot silently drop each other.
 */
export interface CommitOptions {
  /** Runs inside the commit's transaction, after the revision is written (for example a domain's own audit event). */
  afterWrite?: (tx: Db, revision: RevisionRow) => Promise<void>;
}

export async function commitToRepository(deps: AppDeps, actor: Actor, repo: RepositoryRow, input: CommitInput, audit: AuditContext = {}, options: CommitOptions = {}) {
  const data = parseInput(commitSchema, input);
  const operations = data.operations.map((op, i) => ({ ...op, path: validateFilePath(op.path, `operations.${i}.path`) }));
  assertNoDuplicateAdds(data.operations, operations);
  const head = await findRef(deps.db, repo.id, 'branch', data.branch);
  if (data.parentCommit && head?.revisionId !== data.parentCommit) {
    throw conflict('stale_parent', `Branch ${data.branch} has moved since ${data.parentCommit}. Fetch its latest commit and try again.`, 'parentCommit');
  }
  const parentId = head?.revisionId ?? null;
  const files = new Map<string, RevisionFileEntry>();
  let cardMetadata: Record<string, unknown> = {};
  if (parentId) {
    for (const f of await listRevisionFiles(deps.db, parentId)) files.set(f.path, { path: f.path, sha256: f.blobSha256, size: f.size, gitSha1: f.gitSha1, lfs: f.lfs });
    cardMetadata = (await findRevision(deps.db, repo.id, parentId))?.cardMetadata ?? {};
  }
  const wanted = [...new Set(operations.flatMap((op) => (op.op === 'add' ? [op.sha256] : [])))];
  const known = new Map((await findBlobs(deps.db, wanted)).map((b) => [b.sha256, b]));
  // Only blobs uploaded to this repository (or already in it): a sha256 from another repository's tree is not enough.
  const ours = await findRepoBlobs(deps.db, repo.id, wanted);
  for (const [i, op] of operations.entries()) {
    if (op.op === 'delete') {
      if (!files.delete(op.path)) throw notFound('entry_not_found', `Cannot delete ${op.path}: no such file on ${data.branch}.`, { field: `operations.${i}.path` });
      continue;
    }
    const blob = ours.has(op.sha256) ? known.get(op.sha256) : undefined;
    if (!blob) throw new AppError('blob_not_uploaded', 400, `No blob with sha256 ${op.sha256} was uploaded to this repository (for ${op.path}). Upload the file first.`, { field: `operations.${i}.sha256` });
    files.set(op.path, { path: op.path, sha256: blob.sha256, size: blob.size, gitSha1: blob.gitSha1, lfs: isLfsFile(op.path, blob.size) });
  }
  assertNoPathCollisions([...files.keys()]);
  const readme = operations.find((op) => op.op === 'add' && op.path === 'README.md');
  if (readme) cardMetadata = parseCardFrontMatter(await readSmallBlob(deps, files.get('README.md')!.sha256, files.get('README.md')!.size)).metadata;
  else if (!files.has('README.md')) cardMetadata = {};

  const authorId = actorUserId(actor)!;
  return deps.db.transaction(async (tx) => {
    const revision = await writeRevision(tx, repo, { branch: data.branch, parentId, authorId, message: data.message, files: [...files.values()], cardMetadata });
    await updateRepository(tx, repo.id, {});
    await recordAuditEvent(tx, {
      action: 'repo.committed', actorUserId: authorId, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip,
      details: { commit: revision.id, branch: data.branch, added: operations.filter((o) => o.op === 'add').length, deleted: operations.filter((o) => o.op === 'delete').length, cardChanged: Boolean(readme) },
    });
    await options.afterWrite?.(tx, revision);
    return revision;
  });
}

/**
 * Two additions of one path in one commit would leave only the last, silently. Paths are stored
 * in Unicode NFC, so `café` typed precomposed and decomposed are the same file: say so plainly.
 */
function assertNoDuplicateAdds(sent: { path: string }[], operations: { op: string; path: string }[]) {
  const first = new Map<string, number>();
  for (const [i, op] of operations.entries()) {
    if (op.op !== 'add') continue;
    const earlier = first.get(op.path);
    if (earlier === undefined) {
      first.set(op.path, i);
      continue;
    }
    const spelledApart = sent[earlier]!.path !== sent[i]!.path;
    const why = spelledApart ? ` (they are spelled with different Unicode code points for the same characters, and paths are stored in NFC)` : '';
    throw conflict('duplicate_path', `Operations ${earlier} and ${i} both add ${JSON.stringify(op.path)}${why}; a commit may add each path once.`, `operations.${i}.path`);
  }
}

/**
 * Two paths that differ only in case would overwrite each other on a case-insensitive disk, and a
 * file cannot also be a folder (`data` and `data/x.csv`): no client could write both to disk.
 */
function assertNoPathCollisions(paths: string[]) {
  const seen = new Map<string, string>();
  for (const p of paths) {
    const key = p.toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) throw conflict('case_collision', `${p} and ${other} differ only in letter case; they would overwrite each other on many disks. Rename one.`, 'operations');
    seen.set(key, p);
  }
  for (const p of paths) {
    for (let slash = p.indexOf('/'); slash !== -1; slash = p.indexOf('/', slash + 1)) {
      const file = seen.get(p.slice(0, slash).toLowerCase());
      if (file !== undefined) throw conflict('path_collision', `${file} is a file, so ${p} cannot put a folder of that name beside it. Rename or delete one of them.`, 'operations');
    }
  }
}

async function writeRevision(db: Db, repo: RepositoryRow, input: { branch: string; parentId: string | null; authorId: string; message: string; files: RevisionFileEntry[]; cardMetadata: Record<string, unknown> }) {
  const createdAt = new Date();
  const id = computeRevisionId({ repoId: repo.id, parentId: input.parentId, authorId: input.authorId, message: input.message, createdAt, files: input.files });
  const totalSize = input.files.reduce((sum, f) => sum + f.size, 0);
  const revision = { id, repoId: repo.id, parentId: input.parentId, authorId: input.authorId, message: input.message, createdAt, fileCount: input.files.length, totalSize, cardMetadata: input.cardMetadata };
  await insertRevisionWithFiles(db, revision, input.files.map((f) => ({ revisionId: id, path: f.path, blobSha256: f.sha256, size: f.size, gitSha1: f.gitSha1, lfs: f.lfs })));
  if (!(await moveBranch(db, repo.id, input.branch, input.parentId, id))) {
    throw conflict('concurrent_commit', `Another commit landed on ${input.branch} at the same time. Nothing was written; try again.`, 'branch');
  }
  return revision;
}

export async function tagRevision(deps: AppDeps, actor: Actor, repo: RepositoryRow, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(tagSchema, input);
  const revision = await resolveRevision(deps.db, repo, data.revision, 'revision');
  await deps.db.transaction(async (tx) => {
    await upsertTag(tx, repo.id, data.tag, revision.id);
    await recordAuditEvent(tx, { action: 'repo.tagged', actorUserId: actorUserId(actor), actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { tag: data.tag, commit: revision.id } });
  });
  return { tag: data.tag, commit: revision.id };
}

export { assertValidName };
