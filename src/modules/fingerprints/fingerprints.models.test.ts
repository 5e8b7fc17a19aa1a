import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildSafetensors, copyRange, SMALL_MODEL, type TensorSpec } from '../../../test/support/safetensors.ts';
import { BLOCK, isNonFinite, marksOf, planFile, recipientCode, type FilePlan } from './fingerprints.models.ts';
import { parseSafetensorsHeader } from './safetensors.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const setup = (file: Buffer, secret = randomBytes(32)) => {
  const fileSha256 = sha256(file);
  return { secret, fileSha256, plan: planFile(secret, fileSha256, parseSafetensorsHeader(file, file.length)) };
};

const floatSpec = fc.record({
  dtype: fc.constantFrom('F32', 'F16', 'BF16', 'I64', 'U8') as fc.Arbitrary<TensorSpec['dtype']>,
  shape: fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 3 }),
});
const smallFile = fc.tuple(fc.array(floatSpec, { minLength: 1, maxLength: 5 }), fc.string({ maxLength: 6 }))
  .map(([specs, seed]) => buildSafetensors(seed, specs.map((s, i) => ({ ...s, name: `t${i}` }))));

describe('per-recipient fingerprinting of safetensors weights', () => {
  it('changes only the lowest mantissa bit of finite F32/F16/BF16 elements, at most one element per 1024', async () => {
    await fc.assert(fc.asyncProperty(smallFile, fc.uuid(), async (file, recipient) => {
      const { secret, fileSha256, plan } = setup(file);
      const copy = await copyRange(file, plan, recipientCode(secret, fileSha256, recipient), 0, file.length - 1, [777]);
      assert.equal(copy.length, file.length);
      const header = parseSafetensorsHeader(file, file.length);
      assert.deepEqual(copy.subarray(0, header.dataStart), file.subarray(0, header.dataStart), 'the header is unchanged');
      for (const t of header.tensors) {
        const size = t.dtype === 'F32' ? 4 : t.dtype === 'F16' || t.dtype === 'BF16' ? 2 : 0;
        let changed = 0;
        for (let at = header.dataStart + t.begin; at < header.dataStart + t.end; at++) {
          if (copy[at] === file[at]) continue;
          assert.ok(size > 0, `${t.dtype} data must never change`);
          const offset = at - header.dataStart - t.begin;
          assert.equal(offset % size, 0, 'only the lowest (little-endian first) byte of an element changes');
          assert.equal(copy[at]! ^ file[at]!, 1, 'only its lowest bit, which is 1 ulp');
          assert.equal(isNonFinite(t.dtype, file, at), false, 'Inf and NaN are never touched');
          changed++;
        }
        assert.ok(changed <= Math.ceil(t.elementCount / BLOCK), `${changed} changes in ${t.elementCount} elements`);
      }
    }), { numRuns: 60 });
  });

  it('gives any byte range exactly the bytes of the same range of the whole copy, however the source is chunked', async () => {
    const file = buildSafetensors('ranges', [{ name: 'a', dtype: 'F32', shape: [3000] }, { name: 'b', dtype: 'BF16', shape: [5001] }, { name: 'c', dtype: 'F16', shape: [2, 2500] }]);
    const { secret, fileSha256, plan } = setup(file);
    const code = recipientCode(secret, fileSha256, 'user-1');
    const whole = await copyRange(file, plan, code, 0, file.length - 1);
    assert.notDeepEqual(whole, file);
    await fc.assert(fc.asyncProperty(fc.nat(file.length - 1), fc.nat(file.length - 1), fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 4 }), async (a, b, sizes) => {
      const [start, end] = a <= b ? [a, b] : [b, a];
      assert.deepEqual(await copyRange(file, plan, code, start, end, sizes), whole.subarray(start, end + 1));
    }), { numRuns: 300 });
  });

  it('is deterministic for one recipient and differs between two', async () => {
    const file = buildSafetensors('determinism', SMALL_MODEL.slice(0, 3));
    const { secret, fileSha256, plan } = setup(file);
    const first = await copyRange(file, plan, recipientCode(secret, fileSha256, 'alice'), 0, file.length - 1, [65536]);
    const again = await copyRange(file, plan, recipientCode(secret, fileSha256, 'alice'), 0, file.length - 1, [100_003]);
    const other = await copyRange(file, plan, recipientCode(secret, fileSha256, 'bob'), 0, file.length - 1);
    assert.equal(sha256(first), sha256(again));
    assert.notEqual(sha256(first), sha256(other));
    assert.notEqual(sha256(first), fileSha256);
  });

  it('picks the same positions for every recipient of a file, and other positions for another file or secret', () => {
    const file = buildSafetensors('positions', [{ name: 'w', dtype: 'F32', shape: [64, 1024] }]);
    const { secret, plan } = setup(file);
    const positions = (p: FilePlan) => marksOf(p.tensors[0]!, 0, 64).map((m) => m.element);
    assert.equal(positions(plan).length, 64);
    assert.deepEqual(positions(planFile(secret, sha256(file), parseSafetensorsHeader(file))), positions(plan));
    assert.notDeepEqual(positions(planFile(randomBytes(32), sha256(file), parseSafetensorsHeader(file))), positions(plan));
    assert.notDeepEqual(positions(planFile(secret, sha256(Buffer.from('other')), parseSafetensorsHeader(file))), positions(plan));
  });
});
