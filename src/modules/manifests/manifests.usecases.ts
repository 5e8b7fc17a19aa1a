import { createHash } from 'node:crypto';
import type { AppDeps } from '../../app/deps.ts';
import { listRevisionFiles, type RepositoryRow, type RevisionFileRow, type RevisionRow } from '../repos/repos.repository.ts';
import { MANIFEST_FORMAT, signManifest, type Manifest, type SignedManifest } from './manifests.models.ts';
import { findBlobMd5s, saveBlobMd5 } from './manifests.repository.ts';

async function md5OfBlob(deps: AppDeps, sha256: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of deps.blobs.read(sha256)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Whose copy a personal manifest describes, and the hashes of their copy of a file (null: the original). */
export interface PersonalCopies {
  recipient: string;
  hashesOf(file: RevisionFileRow): Promise<{ sha256: string; md5: string } | null>;
}

/**
 * The signed manifest of one revision. md5 sums missing from older blobs are computed once and kept.
 * With `personal`, the hashes of a fingerprinted recipient's own copies replace the originals'.
 */
export async function buildSignedManifest(deps: AppDeps, repo: RepositoryRow, revision: RevisionRow, personal?: PersonalCopies): Promise<SignedManifest> {
  const files = await listRevisionFiles(deps.db, revision.id);
  const md5s = new Map((await findBlobMd5s(deps.db, [...new Set(files.map((f) => f.blobSha256))])).map((b) => [b.sha256, b.md5]));
  for (const [sha256, md5] of md5s) {
    if (md5) continue;
    const computed = await md5OfBlob(deps, sha256);
    await saveBlobMd5(deps.db, sha256, computed);
    md5s.set(sha256, computed);
  }
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    server: deps.config.baseUrl,
    repository: { type: repo.type, id: `${repo.namespace}/${repo.name}` },
    commit: revision.id,
    committedAt: revision.createdAt.toISOString(),
    files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.blobSha256, md5: md5s.get(f.blobSha256)! })),
  };
  if (personal) {
    manifest.recipient = personal.recipient;
    for (const [i, f] of files.entries()) {
      const copy = await personal.hashesOf(f);
      if (copy) manifest.files[i] = { ...manifest.files[i]!, sha256: copy.sha256, md5: copy.md5 };
    }
  }
  return signManifest(manifest, deps.signingKey);
}
