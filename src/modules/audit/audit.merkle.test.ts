import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildMerkleLevels, inclusionPath, merkleRoot, verifyInclusion } from './audit.merkle.ts';

const hashes = (n: number, salt = '') => Array.from({ length: n }, (_, i) => createHash('sha256').update(`${salt}${i}`).digest('hex'));

/** RFC 6962's recursive definition, written independently of the level-by-level builder. */
function rfcRoot(leaves: string[]): string {
  const h = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
  const mth = (d: string[]): Buffer => {
    if (d.length === 1) return h(Buffer.from([0]), Buffer.from(d[0]!, 'hex'));
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return h(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
  };
  return leaves.length === 0 ? h().toString('hex') : mth(leaves).toString('hex');
}

describe('the Merkle proofs of audit checkpoints', () => {
  it('computes the same root as RFC 6962 for every size', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), (n) => {
      const leaves = hashes(n);
      assert.equal(merkleRoot(leaves), rfcRoot(leaves));
    }));
  });

  it('proves every leaf of every tree, and only at its own index', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.nat(), (n, pick) => {
      const leaves = hashes(n);
      const levels = buildMerkleLevels(leaves);
      const root = merkleRoot(leaves);
      const index = pick % n;
      const path = inclusionPath(levels, index);
      assert.ok(verifyInclusion(leaves[index]!, index, n, path, root));
      if (n > 1) assert.equal(verifyInclusion(leaves[index]!, (index + 1) % n, n, path, root), false);
    }));
  });

  // The size is not bound by the proof itself but by the signed checkpoint that states it.
  it('refuses an altered leaf, an altered sibling, another tree\'s root or a truncated path', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 200 }), fc.nat(), (n, pick) => {
      const leaves = hashes(n);
      const root = merkleRoot(leaves);
      const index = pick % n;
      const path = inclusionPath(buildMerkleLevels(leaves), index);
      const flipped = (hex: string) => `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;
      assert.equal(verifyInclusion(flipped(leaves[index]!), index, n, path, root), false);
      assert.equal(verifyInclusion(leaves[index]!, index, n, [flipped(path[0]!), ...path.slice(1)], root), false);
      assert.equal(verifyInclusion(leaves[index]!, index, n, path, merkleRoot(hashes(n, 'other'))), false);
      assert.equal(verifyInclusion(leaves[index]!, index, n, path.slice(1), root), false);
    }));
  });
});
