import { createHash } from 'node:crypto';

/**
 * A Merkle tree over the link hashes of one checkpoint's range, as in RFC 6962 / RFC 9162
 * (leaf = H(0x00 || link hash), node = H(0x01 || left || right), an unpaired last node is
 * promoted unchanged). A checkpoint signs its root, so one exported record is proven by
 * about log2(range) sibling hashes, without revealing any other record. Pure; no I/O.
 */

const sha256 = (...parts: Buffer[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

export const leafHash = (linkHashHex: string) => sha256(LEAF, Buffer.from(linkHashHex, 'hex'));
const nodeHash = (left: Buffer, right: Buffer) => sha256(NODE, left, right);

/** Every level of the tree, leaves first; the last level holds the root. */
export function buildMerkleLevels(linkHashes: string[]): Buffer[][] {
  if (linkHashes.length === 0) return [[sha256()]];
  const levels: Buffer[][] = [linkHashes.map(leafHash)];
  while (levels[levels.length - 1]!.length > 1) {
    const below = levels[levels.length - 1]!;
    const above: Buffer[] = [];
    for (let i = 0; i < below.length; i += 2) above.push(i + 1 < below.length ? nodeHash(below[i]!, below[i + 1]!) : below[i]!);
    levels.push(above);
  }
  return levels;
}

export const merkleRoot = (linkHashes: string[]) => buildMerkleLevels(linkHashes).at(-1)![0]!.toString('hex');

/** The sibling hashes from leaf `index` up to the root (a promoted node has no sibling at that level). */
export function inclusionPath(levels: Buffer[][], index: number): string[] {
  const path: string[] = [];
  let i = index;
  for (let level = 0; level < levels.length - 1; level++) {
    const nodes = levels[level]!;
    const sibling = i ^ 1;
    if (sibling < nodes.length) path.push(nodes[sibling]!.toString('hex'));
    i >>= 1;
  }
  return path;
}

/** RFC 9162 §2.1.3.2: does `path` prove that the leaf of `linkHashHex` is leaf `index` of a tree of `size` with `root`? */
export function verifyInclusion(linkHashHex: string, index: number, size: number, path: string[], rootHex: string): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  if (!/^[0-9a-f]{64}$/.test(linkHashHex) || !path.every((p) => /^[0-9a-f]{64}$/.test(p))) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash(linkHashHex);
  for (const hex of path) {
    if (sn === 0) return false;
    const p = Buffer.from(hex, 'hex');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.toString('hex') === rootHex;
}
