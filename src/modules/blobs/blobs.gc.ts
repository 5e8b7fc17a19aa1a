import type { AppDeps } from '../../app/deps.ts';
import { blobRowExists, deleteUnusedBlob, listBlobShas, listUnusedBlobs } from './blobs.repository.ts';

export const DEFAULT_GC_GRACE_MS = 24 * 60 * 60 * 1000;

export interface GcResult {
  removed: { sha256: string; size: number; reason: 'unreferenced' | 'no-row' }[];
  bytes: number;
  /** Candidates left alone because something started using them while the collector ran. */
  kept: string[];
}

/** Rolls back a blob's deletion when its bytes turn out to have been written again just now. */
class RecentlyWritten extends Error {}

/**
 * Removes blobs nothing refers to: rows with no revision, fingerprint copy or recent upload, and files
 * on disk with no row at all (left by a server killed between storing the bytes and recording them).
 * The grace period protects an upload that has stored its blob but not yet committed it: its
 * `repo_blobs` row (refreshed on every upload) and the file's mtime are younger than the cutoff.
 */
export async function collectGarbage(deps: AppDeps, options: { graceMs?: number; dryRun?: boolean } = {}): Promise<GcResult> {
  const cutoff = new Date(deps.clock.now().getTime() - (options.graceMs ?? DEFAULT_GC_GRACE_MS));
  const result: GcResult = { removed: [], bytes: 0, kept: [] };
  const note = (sha256: string, size: number, reason: 'unreferenced' | 'no-row') => {
    result.removed.push({ sha256, size, reason });
    result.bytes += size;
  };

  for (const blob of await listUnusedBlobs(deps.db, cutoff)) {
    if (options.dryRun) {
      note(blob.sha256, blob.size, 'unreferenced');
      continue;
    }
    try {
      const removed = await deps.db.transaction(async (tx) => {
        if (!(await deleteUnusedBlob(tx, blob.sha256, cutoff))) return false;
        // The row stays locked (deleted, uncommitted) while the file goes, so an upload of the same
        // bytes waits to record its row; if its file landed first, its fresh mtime keeps the file.
        if ((await deps.blobs.removeIfWrittenBefore(blob.sha256, cutoff)) === 'recent') throw new RecentlyWritten();
        return true;
      });
      if (removed) note(blob.sha256, blob.size, 'unreferenced');
      else result.kept.push(blob.sha256);
    } catch (error) {
      // A commit that referenced the blob in the meantime makes the delete fail its foreign key: keep it.
      if (!(error instanceof RecentlyWritten)) deps.logger.warn({ sha256: blob.sha256, err: error }, 'gc kept a blob that came into use');
      result.kept.push(blob.sha256);
    }
  }

  const known = await listBlobShas(deps.db);
  for await (const sha256 of deps.blobs.list()) {
    if (known.has(sha256)) continue;
    const written = await deps.blobs.writtenAt(sha256);
    // A young file without a row is an upload about to record itself.
    if (!written || written.at >= cutoff) continue;
    if (options.dryRun) {
      note(sha256, written.size, 'no-row');
      continue;
    }
    // Re-checked after listing: the row may have been written since.
    if (await blobRowExists(deps.db, sha256)) continue;
    if ((await deps.blobs.removeIfWrittenBefore(sha256, cutoff)) === 'removed') note(sha256, written.size, 'no-row');
  }
  return result;
}
