import type { AppDeps } from '../../app/deps.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { EXPORT_FORMAT, toExportEvent, type ExportCheckpoint, type ExportLine } from './audit.export.models.ts';
import { buildMerkleLevels, inclusionPath } from './audit.merkle.ts';
import { findRepoChainPage, findRepoLastPosition, listChainHashes, listMerkleCheckpoints, recordAuditEvent, type AuditContext } from './audit.repository.ts';
import { appendPendingToChain, writeCheckpoint } from './audit.usecases.ts';

type CheckpointRow = Awaited<ReturnType<typeof listMerkleCheckpoints>>[number];

/** The signed range a position falls in: the first Merkle checkpoint with fromPosition < p ≤ position. */
function coveringCheckpoint(checkpoints: CheckpointRow[], position: number): CheckpointRow | undefined {
  let lo = 0;
  let hi = checkpoints.length - 1;
  let found: CheckpointRow | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (checkpoints[mid]!.position >= position) {
      found = checkpoints[mid];
      hi = mid - 1;
    } else lo = mid + 1;
  }
  return found && found.fromPosition! < position ? found : undefined;
}

const toExportCheckpoint = (c: CheckpointRow): ExportCheckpoint => ({
  type: 'checkpoint', id: c.id, fromPosition: c.fromPosition!, position: c.position, headHash: c.headHash,
  merkleRoot: c.merkleRoot!, keyId: c.keyId, createdAt: c.createdAt.toISOString(), signature: c.signature,
});

/**
 * Prepares an export: links what is pending and, when the repository has records no signed
 * Merkle range covers yet, signs a checkpoint now, so every exported record carries a proof.
 * The export itself is recorded in the audit log (who read which repository's records).
 */
export async function prepareRepoExport(deps: AppDeps, repo: RepositoryRow, actor: { userId: string | null; tokenId: string | null }, audit: AuditContext, since?: Date) {
  await appendPendingToChain(deps.db);
  const last = await findRepoLastPosition(deps.db, repo.id);
  const checkpoints = await listMerkleCheckpoints(deps.db);
  if (last !== null && (checkpoints.at(-1)?.position ?? 0) < last) await writeCheckpoint(deps.db, deps.signingKey, deps.clock);
  await recordAuditEvent(deps.db, { action: 'audit.exported', actorUserId: actor.userId, actorTokenId: actor.tokenId, repoId: repo.id, ip: audit.ip, details: { since: since?.toISOString() ?? null } });
  return streamRepoExport(deps, repo, since);
}

/** The export's JSON Lines, one at a time, reading the chain a page at a time. */
async function* streamRepoExport(deps: AppDeps, repo: RepositoryRow, since?: Date): AsyncGenerator<ExportLine> {
  const { db } = deps;
  yield { type: 'header', format: EXPORT_FORMAT, version: 1, repo: `${repo.type === 'dataset' ? 'datasets/' : ''}${repo.namespace}/${repo.name}`, repoId: repo.id, since: since?.toISOString() ?? null, exportedAt: deps.clock.now().toISOString() };
  const checkpoints = await listMerkleCheckpoints(db);
  // One range's tree at a time: records come in chain order, so ranges come in order too.
  let tree: { checkpoint: CheckpointRow; levels: Buffer[][] } | null = null;
  let afterPosition = 0;
  for (;;) {
    const page = await findRepoChainPage(db, repo.id, { afterPosition, since, limit: 2000 });
    for (const { link, event } of page) {
      const checkpoint = coveringCheckpoint(checkpoints, link.position);
      // Linked after the checkpoint this export signed (a concurrent write): left for the next export.
      if (!checkpoint) return;
      if (tree?.checkpoint.id !== checkpoint.id) {
        tree = { checkpoint, levels: buildMerkleLevels(await listChainHashes(db, checkpoint.fromPosition!, checkpoint.position)) };
        yield toExportCheckpoint(checkpoint);
      }
      const path = inclusionPath(tree.levels, link.position - checkpoint.fromPosition! - 1);
      yield { type: 'record', position: link.position, prevHash: link.prevHash, hash: link.hash, event: toExportEvent(event), proof: { checkpoint: checkpoint.id, path } };
    }
    if (page.length < 2000) return;
    afterPosition = page[page.length - 1]!.link.position;
  }
}
