import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildSafetensors, SMALL_MODEL } from '../../../test/support/safetensors.ts';
import { parseSafetensorsHeader, SafetensorsError } from './safetensors.ts';

const parseOrTypedError = (bytes: Uint8Array, size?: number) => {
  try {
    return parseSafetensorsHeader(bytes, size);
  } catch (error) {
    assert.ok(error instanceof SafetensorsError, `threw ${(error as Error)?.name}: ${(error as Error)?.message}`);
    return error;
  }
};

describe('the safetensors header reader', () => {
  it('reads every tensor of a real file with its dtype, shape and offsets, sorted by offset', () => {
    const file = buildSafetensors('reader', SMALL_MODEL, { format: 'pt' });
    const header = parseSafetensorsHeader(file, file.length);
    assert.deepEqual(header.metadata, { format: 'pt' });
    assert.equal(header.tensors.length, SMALL_MODEL.length);
    assert.equal(header.dataStart + header.dataLength, file.length);
    const embed = header.tensors.find((t) => t.name === 'embed.weight')!;
    assert.deepEqual([embed.dtype, embed.shape, embed.begin, embed.end, embed.elementCount], ['F32', [512, 640], 0, 512 * 640 * 4, 512 * 640]);
  });

  it('refuses a truncated file, a gap between tensors and a size that does not match the shape', () => {
    const file = buildSafetensors('bad', SMALL_MODEL.slice(0, 2));
    assert.throws(() => parseSafetensorsHeader(file.subarray(0, file.length - 1), file.length - 1), { name: 'SafetensorsError', code: 'bad_layout' });
    assert.throws(() => parseSafetensorsHeader(file.subarray(0, 20)), { name: 'SafetensorsError', code: 'too_short' });
    const json = JSON.stringify({ a: { dtype: 'U8', shape: [4], data_offsets: [1, 5] } });
    const shifted = Buffer.concat([Buffer.from(new BigUint64Array([BigInt(json.length)]).buffer), Buffer.from(json), Buffer.alloc(5)]);
    assert.throws(() => parseSafetensorsHeader(shifted), { code: 'bad_layout' });
    const wrongSize = JSON.stringify({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 4] } });
    assert.throws(() => parseSafetensorsHeader(Buffer.concat([Buffer.from(new BigUint64Array([BigInt(wrongSize.length)]).buffer), Buffer.from(wrongSize)])), { code: 'bad_tensor' });
  });

  it('refuses a header length beyond 100 MB without allocating it', () => {
    const huge = Buffer.alloc(16);
    huge.writeBigUInt64LE(2n ** 63n);
    assert.throws(() => parseSafetensorsHeader(huge), { code: 'header_too_large' });
  });

  it('throws only its own typed error on any bytes at all', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.option(fc.nat(1000), { nil: undefined }), (bytes, size) => {
      parseOrTypedError(bytes, size);
    }), { numRuns: 2000 });
  });

  it('throws only its own typed error on any JSON header', () => {
    const header = fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ dtype: fc.constantFrom('F32', 'F16', 'BF16', 'U8', 'X', 3), shape: fc.array(fc.oneof(fc.nat(9), fc.double(), fc.constant(-1)), { maxLength: 3 }), data_offsets: fc.array(fc.oneof(fc.nat(300), fc.constant(2 ** 60)), { maxLength: 3 }) }, { requiredKeys: [] }),
    ));
    fc.assert(fc.property(header, fc.nat(400), (h, extra) => {
      const json = Buffer.from(JSON.stringify(h));
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(json.length));
      const file = Buffer.concat([length, json, Buffer.alloc(extra)]);
      parseOrTypedError(file, file.length);
    }), { numRuns: 1000 });
  });

  it('throws only its own typed error on a real file with bytes flipped or cut anywhere', () => {
    const file = buildSafetensors('flip', [{ name: 'w', dtype: 'F32', shape: [4, 4] }, { name: 'b', dtype: 'BF16', shape: [4] }]);
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(file.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(file.length), (flips, cut) => {
      const copy = Buffer.from(file.subarray(0, Math.max(cut, 1)));
      for (const [at, value] of flips) if (at < copy.length) copy[at] = value;
      parseOrTypedError(copy, copy.length);
    }), { numRuns: 2000 });
  });
});
