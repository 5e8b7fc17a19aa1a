import { and, eq, gt, isNull, min, sql } from 'drizzle-orm';
import type { AppDeps } from '../../app/deps.ts';
import type { Db } from '../../db/client.ts';
import { findRepository, findRevisionFile, type RepositoryRow, type RevisionRow } from '../repos/repos.repository.ts';
import { repoNotFound, resolveRevision } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { trainingCertificates } from '../trainings/trainings.tables.ts';
import { externalVisas } from '../passports/passports.tables.ts';
import { grants } from './access.tables.ts';
import { EpochCache } from './access-epoch.ts';
import { ensureAuthorized, loadRepoFacts } from './access.gate.ts';
import type { RepoFacts } from './access.policies.ts';
import type { Actor } from './actor.ts';
import { listStages } from '../stages/stages.repository.ts';
import { isEmbargoed, stageFor } from '../stages/stages.models.ts';
import type { ReleaseStageRow } from '../stages/stages.tables.ts';

type FileRow = NonNullable<Awaited<ReturnType<typeof findRevisionFile>>>;

/** The caches of one database (tests run many servers, each on its own database, in one process). */
interface GateCaches {
  repositories: EpochCache<RepositoryRow | null>;
  facts: EpochCache<RepoFacts>;
  revisions: EpochCache<RevisionRow>;
  /** Revisions are immutable, so a file lookup never goes stale: keyed by revision id, at epoch 0. */
  files: EpochCache<FileRow | null>;
  stages: EpochCache<ReleaseStageRow[]>;
}
const cachesByDb = new WeakMap<Db, GateCaches>();
function cachesFor(db: Db): GateCaches {
  let caches = cachesByDb.get(db);
  if (!caches) {
    caches = { repositories: new EpochCache(10_000), facts: new EpochCache(50_000), revisions: new EpochCache(10_000), files: new EpochCache(50_000), stages: new EpochCache(10_000) };
    cachesByDb.set(db, caches);
  }
  return caches;
}

/**
 * The first instant at which time alone could change the user's facts on the repository: a grant
 * starting or ending, or any of the user's training certificates expiring. Conservative (any
 * certificate, not only the required ones): reloading early is always safe, late never is.
 */
async function timeBoundary(db: Db, userId: string, repoId: string, now: Date): Promise<number> {
  const [grantEdge] = await db.select({
    start: sql<Date | null>`min(case when ${grants.startsAt} > ${now} then ${grants.startsAt} end)`,
    end: sql<Date | null>`min(case when ${grants.endsAt} > ${now} then ${grants.endsAt} end)`,
  }).from(grants).where(and(eq(grants.repoId, repoId), eq(grants.userId, userId), isNull(grants.revokedAt)));
  const [certificateEdge] = await db.select({ end: min(trainingCertificates.expiresAt) }).from(trainingCertificates)
    .where(and(eq(trainingCertificates.userId, userId), gt(trainingCertificates.expiresAt, now)));
  // A GA4GH ResearcherStatus visa can stand in for a credential until it expires.
  const [visaEdge] = await db.select({ end: min(externalVisas.expiresAt) }).from(externalVisas)
    .where(and(eq(externalVisas.userId, userId), gt(externalVisas.expiresAt, now)));
  const instants = [grantEdge?.start, grantEdge?.end, certificateEdge?.end, visaEdge?.end].filter((d): d is Date => d !== null && d !== undefined).map((d) => new Date(d).getTime());
  return Math.min(Number.POSITIVE_INFINITY, ...instants);
}

/**
 * Opens a file for the download path: the repository, the revision and the gate's facts, cached
 * at the access epoch read for this request, then the decision. Only facts are cached: every
 * request still asks `authorize` (through `ensureAuthorized`), with its own actor and the clock's
 * now. A cached fact is used only at the epoch it was loaded at and before the first instant at
 * which time alone could change it, so a revocation, a block or an expiry takes effect at the
 * next request. A file in a release stage is decided at the stage's level, and its embargo is
 * checked against now on every request.
 */
export async function openForDownload(
  deps: AppDeps,
  actor: Actor,
  action: 'repo.view' | 'repo.download',
  target: { type: RepoType; namespace: string; name: string; revision: string },
  filePath: string,
  epoch: number,
): Promise<{ repo: RepositoryRow; facts: RepoFacts; revision: RevisionRow; stage: ReleaseStageRow | null }> {
  const caches = cachesFor(deps.db);
  const now = deps.clock.now();
  const repoKey = `${target.type}\0${target.namespace.toLowerCase()}\0${target.name.toLowerCase()}`;
  const repo = await caches.repositories.through(repoKey, epoch, now.getTime(), async () => ({ value: (await findRepository(deps.db, target.type, target.namespace, target.name)) ?? null }));
  if (!repo) throw repoNotFound(target.type, `${target.namespace}/${target.name}`);
  const baseUrl = deps.config.baseUrl;
  const schedule = await caches.stages.through(repo.id, epoch, now.getTime(), async () => ({ value: await listStages(deps.db, repo.id) }));
  if (schedule.length === 0) {
    const facts = await factsAt(deps, caches, actor, repo, epoch, now);
    await ensureAuthorized(actor, { type: action, facts }, { repo, baseUrl, db: deps.db, now });
    return { repo, facts, revision: await resolveRevisionAt(deps.db, repo, target.revision, epoch, now.getTime()), stage: null };
  }
  // With a schedule, the stage depends on the revision: check visibility first, so a private
  // repository stays a 404 whatever revision is asked for.
  await ensureAuthorized(actor, { type: 'repo.view', facts: await factsAt(deps, caches, actor, repo, epoch, now) }, { repo, baseUrl, db: deps.db, now });
  const revision = await resolveRevisionAt(deps.db, repo, target.revision, epoch, now.getTime());
  const stage = action === 'repo.download' ? stageFor(schedule, filePath, revision.id) : null;
  const staged = stage ? { ...repo, accessLevel: stage.accessLevel } : repo;
  const facts = { ...(await factsAt(deps, caches, actor, staged, epoch, now)), embargo: stage && isEmbargoed(stage, now) ? { stage: stage.name, until: stage.embargoUntil! } : null };
  await ensureAuthorized(actor, { type: action, facts }, { repo: staged, baseUrl, db: deps.db, now });
  return { repo, facts, revision, stage };
}

/** The gate's facts for the actor on the repository at its (possibly staged) access level. */
function factsAt(deps: AppDeps, caches: GateCaches, actor: Actor, repo: RepositoryRow, epoch: number, now: Date) {
  const actorKey = actor.kind === 'user' ? actor.user.id : 'anonymous';
  return caches.facts.through(`${actorKey}\0${repo.id}\0${repo.accessLevel}`, epoch, now.getTime(), async () => ({
    value: await loadRepoFacts(deps.db, actor, repo, now),
    validUntil: actor.kind === 'user' ? await timeBoundary(deps.db, actor.user.id, repo.id, now) : undefined,
  }));
}

/** `resolveRevision` at the access epoch (branches and tags move only by writes to `refs`, which raise it). */
export function resolveRevisionAt(db: Db, repo: RepositoryRow, revision: string, epoch: number, now: number): Promise<RevisionRow> {
  return cachesFor(db).revisions.through(`${repo.id}\0${revision}`, epoch, now, async () => ({ value: await resolveRevision(db, repo, revision) }));
}

export async function findRevisionFileCached(db: Db, revisionId: string, path: string): Promise<FileRow | undefined> {
  return (await cachesFor(db).files.through(`${revisionId}\0${path}`, 0, 0, async () => ({ value: (await findRevisionFile(db, revisionId, path)) ?? null }))) ?? undefined;
}
