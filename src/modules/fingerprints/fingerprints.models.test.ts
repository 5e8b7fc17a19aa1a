import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildSafetensors, copyRange, SMALL_MODEL, type TensorSpec } from '../../../test/support/safetensors.ts';
import { BLOCK, isNonFinite, marksOf, planCopy, type CopyPlan } from './fingerprints.models.ts';
import { parseSafetensorsHeader } from './safetensors.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const planFor = (file: Buffer, recipientId: string, secret = randomBytes(32)): CopyPlan => planCopy(secret, sha256(file), parseSafetensorsHeader(file, file.length), recipientId);

const floatSpec = fc.record({
  dtype: fc.constantFrom('F32', 'F16', 'BF16', 'I64', 'U8') as fc.Arbitrary<TensorSpec['dtype']>,
  shape: fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 3 }),
});
const smallFile = fc.tuple(fc.array(floatSpec, { minLength: 1, maxLength: 5 }), fc.string({ maxLength: 6 }))
  .map(([specs, seed]) => buildSafetensors(seed, specs.map((s, i) => ({ ...s, name: `t${i}` }))));

/** Element indices of one tensor (bytes [begin, end) of the data, `size` bytes each) at which two files differ. */
function changedElements(a: Buffer, b: Buffer, begin: number, end: number, size: number): number[] {
  const out: number[] = [];
  for (let at = begin; at < end; at += size) if (!a.subarray(at, at + size).equals(b.subarray(at, at + size))) out.push((at - begin) / size);
  return out;
}

describe('per-recipient fingerprinting of safetensors weights', () => {
  it('changes, for every recipient, only the lowest mantissa bit of finite F32/F16/BF16 elements, at most one element in each block of 1024', async () => {
    await fc.assert(fc.asyncProperty(smallFile, fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 3 }), async (file, recipients) => {
      const secret = randomBytes(32);
      const header = parseSafetensorsHeader(file, file.length);
      for (const recipient of recipients) {
        const plan = planFor(file, recipient, secret);
        const copy = await copyRange(file, plan, 0, file.length - 1, [777]);
        assert.equal(copy.length, file.length);
        assert.deepEqual(copy.subarray(0, header.dataStart), file.subarray(0, header.dataStart), 'the header is unchanged');
        for (const t of header.tensors) {
          const size = t.dtype === 'F32' ? 4 : t.dtype === 'F16' || t.dtype === 'BF16' ? 2 : 0;
          const blocksTouched = new Set<number>();
          for (let at = header.dataStart + t.begin; at < header.dataStart + t.end; at++) {
            if (copy[at] === file[at]) continue;
            assert.ok(size > 0, `${t.dtype} data must never change`);
            const offset = at - header.dataStart - t.begin;
            assert.equal(offset % size, 0, 'only the lowest (little-endian first) byte of an element changes');
            assert.equal(copy[at]! ^ file[at]!, 1, 'only its lowest bit, which is 1 ulp');
            assert.equal(isNonFinite(t.dtype, file, at), false, 'Inf and NaN are never touched');
            assert.equal(isNonFinite(t.dtype, copy, at), false, 'a finite element stays finite');
            const block = Math.floor(offset / size / BLOCK);
            assert.ok(!blocksTouched.has(block), `two changes in block ${block} of ${t.name}`);
            blocksTouched.add(block);
          }
        }
        // The positions the plan may touch (whether or not the bit already held the mark's value) obey the same bound.
        for (const t of plan.tensors) {
          const blocks = marksOf(t, 0, Math.ceil(t.elementCount / BLOCK)).map((m) => Math.floor(m.element / BLOCK));
          assert.equal(new Set(blocks).size, blocks.length, `${t.name}: at most one position per block`);
          assert.ok(blocks.length <= Math.ceil(t.elementCount / BLOCK));
        }
      }
    }), { numRuns: 60 });
  });

  it('gives any byte range exactly the bytes of the same range of the whole copy, however the source is chunked', async () => {
    const file = buildSafetensors('ranges', [{ name: 'a', dtype: 'F32', shape: [3000] }, { name: 'b', dtype: 'BF16', shape: [5001] }, { name: 'c', dtype: 'F16', shape: [2, 2500] }]);
    const plan = planFor(file, 'user-1');
    const whole = await copyRange(file, plan, 0, file.length - 1);
    assert.notDeepEqual(whole, file);
    await fc.assert(fc.asyncProperty(fc.nat(file.length - 1), fc.nat(file.length - 1), fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 4 }), async (a, b, sizes) => {
      const [start, end] = a <= b ? [a, b] : [b, a];
      assert.deepEqual(await copyRange(file, plan, start, end, sizes), whole.subarray(start, end + 1));
    }), { numRuns: 300 });
  });

  it('is deterministic for one recipient and differs between two', async () => {
    const file = buildSafetensors('determinism', SMALL_MODEL.slice(0, 3));
    const secret = randomBytes(32);
    const first = await copyRange(file, planFor(file, 'alice', secret), 0, file.length - 1, [65536]);
    const again = await copyRange(file, planFor(file, 'alice', secret), 0, file.length - 1, [100_003]);
    const other = await copyRange(file, planFor(file, 'bob', secret), 0, file.length - 1);
    assert.equal(sha256(first), sha256(again));
    assert.notEqual(sha256(first), sha256(other));
    assert.notEqual(sha256(first), sha256(file));
  });

  it('marks two recipients\' copies of the same file at different element positions, not only with different bits', async () => {
    const file = buildSafetensors('positions', [{ name: 'w', dtype: 'F32', shape: [256, 1024] }]);
    const header = parseSafetensorsHeader(file, file.length);
    const secret = Buffer.alloc(32, 7);
    const [begin, end] = [header.dataStart + header.tensors[0]!.begin, header.dataStart + header.tensors[0]!.end];
    const changed = async (recipient: string) => new Set(changedElements(await copyRange(file, planFor(file, recipient, secret)), file, begin, end, 4));
    const alice = await changed('alice');
    const bob = await changed('bob');
    // About half of the 256 positions of each need their bit flipped; with shared positions about a quarter would coincide.
    assert.ok(alice.size > 90 && bob.size > 90, `${alice.size} and ${bob.size} elements changed`);
    const both = [...alice].filter((e) => bob.has(e));
    assert.ok(both.length <= 3, `${both.length} elements changed in both copies`);
    // Comparing the two copies shows each colluder where they differ: positions from both sets, never a shared set of places.
    const copies = [await copyRange(file, planFor(file, 'alice', secret)), await copyRange(file, planFor(file, 'bob', secret))];
    assert.equal(changedElements(copies[0]!, copies[1]!, begin, end, 4).length, alice.size + bob.size - 2 * both.length);
  });

  it('picks the same positions for one recipient every time, and others for another recipient, file or secret', () => {
    const file = buildSafetensors('positions', [{ name: 'w', dtype: 'F32', shape: [64, 1024] }]);
    const secret = randomBytes(32);
    const positions = (p: CopyPlan) => marksOf(p.tensors[0]!, 0, 64).map((m) => m.element);
    const alice = positions(planFor(file, 'alice', secret));
    assert.equal(alice.length, 64);
    assert.deepEqual(positions(planFor(file, 'alice', secret)), alice);
    assert.notDeepEqual(positions(planFor(file, 'bob', secret)), alice);
    assert.notDeepEqual(positions(planFor(file, 'alice', randomBytes(32))), alice);
    const other = buildSafetensors('positions-other', [{ name: 'w', dtype: 'F32', shape: [64, 1024] }]);
    assert.notDeepEqual(positions(planFor(other, 'alice', secret)), alice);
  });
});
