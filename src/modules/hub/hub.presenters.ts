import { createHash } from 'node:crypto';
import { gitBlobSha1 } from '../../lib/crypto.ts';
import { lfsPointer } from '../repos/repos.models.ts';
import type { RepositoryRow, RevisionFileRow, RevisionRow } from '../repos/repos.repository.ts';

/** JSON shapes exactly as the Hugging Face clients read them. Pure functions. */

export const gatedValue = (repo: RepositoryRow): false | 'auto' | 'manual' =>
  repo.accessLevel === 'open' ? false : repo.accessLevel === 'agreement' ? 'auto' : 'manual';

const lfsInfo = (file: RevisionFileRow) => {
  const pointer = lfsPointer(file.blobSha256, file.size);
  return { pointer, lfs: { oid: file.blobSha256, size: file.size, pointerSize: Buffer.byteLength(pointer) } };
};

/**
 * The content's git blob sha1, for a file served outside LFS. Such a file is under 10 MiB, and every
 * blob that small has its sha1 recorded at upload; a missing one is a broken invariant, not input.
 */
const contentSha1 = (file: Pick<RevisionFileRow, 'path' | 'gitSha1'>) => {
  if (!file.gitSha1) throw new Error(`${file.path} is served outside LFS but has no git sha1 recorded`);
  return file.gitSha1;
};

/** The git object id the Hub reports: the content's blob sha1, or the LFS pointer's for LFS files. */
export const treeOid = (file: RevisionFileRow) => (file.lfs ? gitBlobSha1(lfsInfo(file).pointer) : contentSha1(file));

/** What the clients name the cached blob by; equals the ETag the resolve route sends. */
export const contentEtag = (file: Pick<RevisionFileRow, 'path' | 'lfs' | 'blobSha256' | 'gitSha1'>) => (file.lfs ? file.blobSha256 : contentSha1(file));

export function presentRepoInfo(repo: RepositoryRow, revision: RevisionRow, files: RevisionFileRow[], options: { blobs: boolean }) {
  const meta = revision.cardMetadata ?? {};
  const id = `${repo.namespace}/${repo.name}`;
  const tags = Array.isArray(meta.tags) ? meta.tags.filter((t): t is string => typeof t === 'string') : [];
  return {
    _id: repo.id,
    id,
    ...(repo.type === 'model' ? { modelId: id } : {}),
    author: repo.namespace,
    sha: revision.id,
    lastModified: revision.createdAt.toISOString(),
    createdAt: repo.createdAt.toISOString(),
    private: repo.private,
    gated: gatedValue(repo),
    disabled: repo.blockedAt !== null,
    downloads: 0,
    likes: 0,
    tags,
    ...(repo.type === 'model' && typeof meta.pipeline_tag === 'string' ? { pipeline_tag: meta.pipeline_tag } : {}),
    ...(repo.type === 'model' && typeof meta.library_name === 'string' ? { library_name: meta.library_name } : {}),
    cardData: meta,
    accessLevel: repo.accessLevel,
    siblings: files.map((f) =>
      options.blobs
        ? { rfilename: f.path, size: f.size, blobId: treeOid(f), ...(f.lfs ? { lfs: { size: f.size, sha256: f.blobSha256, pointerSize: lfsInfo(f).lfs.pointerSize } } : {}) }
        : { rfilename: f.path },
    ),
  };
}

export type TreeEntry =
  | { type: 'file'; path: string; oid: string; size: number; lfs?: { oid: string; size: number; pointerSize: number } }
  | { type: 'directory'; path: string; oid: string; size: 0 };

export const presentFileEntry = (f: RevisionFileRow): TreeEntry => ({
  type: 'file',
  path: f.path,
  oid: treeOid(f),
  size: f.size,
  ...(f.lfs ? { lfs: lfsInfo(f).lfs } : {}),
});

/**
 * The entries under `folder` ('' for the root): immediate children, or everything below when
 * recursive, directories included (the clients create them). Directory ids are a stable hash of
 * their contents, standing in for git tree ids. Returns null when `folder` does not exist.
 */
export function buildTree(files: RevisionFileRow[], folder: string, recursive: boolean): TreeEntry[] | null {
  const prefix = folder === '' ? '' : `${folder}/`;
  const under = files.filter((f) => f.path.startsWith(prefix));
  if (folder !== '' && under.length === 0) return null;
  const directories = new Map<string, ReturnType<typeof createHash>>();
  const entries: TreeEntry[] = [];
  for (const file of under) {
    const rest = file.path.slice(prefix.length).split('/');
    for (let depth = 1; depth < rest.length; depth++) {
      const dir = prefix + rest.slice(0, depth).join('/');
      if (!recursive && depth > 1) break;
      if (!directories.has(dir)) directories.set(dir, createHash('sha1').update('airlock-tree\0'));
      directories.get(dir)!.update(`${file.path}\0${contentEtag(file)}\n`);
    }
    if (recursive || rest.length === 1) entries.push(presentFileEntry(file));
  }
  for (const [path, hash] of directories) entries.push({ type: 'directory', path, oid: hash.digest('hex'), size: 0 });
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function presentPathInfo(f: RevisionFileRow, revision: RevisionRow, expand: boolean) {
  return {
    ...presentFileEntry(f),
    ...(expand ? { lastCommit: { id: revision.id, title: revision.message.split('\n')[0], date: revision.createdAt.toISOString() } } : {}),
  };
}
