import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { assembleSafetensors, buildSafetensors, copyRange, SMALL_MODEL } from '../../../test/support/safetensors.ts';
import { marksOf, planCopy } from './fingerprints.models.ts';
import { traceSuspect, type TraceOriginal } from './fingerprints.trace.ts';
import { parseSafetensorsHeader, type SafetensorsHeader } from './safetensors.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * An independent safetensors reader written from the format's description (not our parser):
 * u64 little-endian N, N bytes of JSON, then the byte buffer every tensor's offsets index.
 */
function readSafetensorsIndependently(file: Buffer) {
  const n = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const data = file.subarray(8 + n);
  const bytesPer: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, U8: 1 };
  const tensors = new Map<string, Buffer>();
  let covered = 0;
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = info.data_offsets;
    assert.equal(end - begin, info.shape.reduce((a, b) => a * b, 1) * bytesPer[info.dtype]!, `${name}: size matches dtype and shape`);
    assert.ok(end <= data.length, `${name}: inside the buffer`);
    covered += end - begin;
    tensors.set(name, data.subarray(begin, end));
  }
  assert.equal(covered, data.length, 'the buffer is fully indexed');
  return tensors;
}

/** BF16 or F16 bytes → their exact values (written from the formats' definitions). */
function widenHalf(data: Uint8Array, dtype: string): number[] {
  const values: number[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const f32 = new DataView(new ArrayBuffer(4));
  for (let i = 0; i < data.length / 2; i++) {
    const bits = view.getUint16(i * 2, true);
    if (dtype === 'BF16') {
      f32.setUint32(0, bits << 16);
      values.push(f32.getFloat32(0));
      continue;
    }
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    values.push(exponent === 0x1f ? (mantissa ? NaN : sign * Infinity) : exponent === 0 ? sign * mantissa * 2 ** -24 : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15));
  }
  return values;
}

const readerOf = (file: Buffer) => async (at: number, length: number) => file.subarray(at, at + length);

describe('tracing a leaked copy to its recipient', () => {
  const secret = randomBytes(32);
  const original = buildSafetensors('leak', SMALL_MODEL, { format: 'pt' });
  const fileSha256 = sha256(original);
  const header = parseSafetensorsHeader(original, original.length);
  const planOf = (recipientId: string) => planCopy(secret, fileSha256, header, recipientId);
  const recipients = Array.from({ length: 50 }, (_, i) => ({ recipientId: randomUUID(), name: `researcher${i}` }));
  const record: TraceOriginal = { fileSha256, header, label: 'lab/model:model.safetensors', candidates: recipients };
  const copyFor = (recipientId: string) => copyRange(original, planOf(recipientId));
  const trace = (file: Buffer, originals = [record]) => traceSuspect(secret, parseSafetensorsHeader(file, file.length), readerOf(file), originals);
  let copies: Buffer[] = [];

  before(async () => {
    copies = await Promise.all(recipients.map((r) => copyFor(r.recipientId)));
  });

  it('names each of 50 recipients from their complete copy, which an independent reader parses with the original header', async () => {
    const originalTensors = readSafetensorsIndependently(original);
    assert.equal(new Set(copies.map(sha256)).size, 50, 'every copy is unique');
    for (const [i, copy] of copies.entries()) {
      const tensors = readSafetensorsIndependently(copy);
      assert.deepEqual([...tensors.keys()], [...originalTensors.keys()]);
      assert.deepEqual(copy.subarray(0, header.dataStart), original.subarray(0, header.dataStart));
      const verdict = await trace(copy);
      assert.equal(verdict.kind, 'named');
      if (verdict.kind !== 'named') continue;
      assert.equal(verdict.best.name, recipients[i]!.name);
      assert.ok(verdict.best.adjustedProbability < 1e-20, `confidence ${verdict.best.adjustedProbability}`);
    }
  });

  it('names the recipient of a copy with half its tensors removed and rewritten at new offsets', async () => {
    const copy = copies[7]!;
    const tensors = readSafetensorsIndependently(copy);
    const kept = header.tensors.filter((_, i) => i % 2 === 1).reverse();
    const trimmed = assembleSafetensors(kept.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: tensors.get(t.name)! })));
    const verdict = await trace(trimmed);
    assert.equal(verdict.kind, 'named');
    assert.equal(verdict.kind === 'named' && verdict.best.name, 'researcher7');
  });

  it('names the recipient when 20% of the touched elements were re-randomised', async () => {
    const copy = Buffer.from(copies[23]!);
    let touched = 0;
    for (const t of planOf(recipients[23]!.recipientId).tensors) {
      for (const mark of marksOf(t, 0, Math.ceil(t.elementCount / 1024))) {
        if (Math.random() >= 0.2) continue;
        const at = t.start + mark.element * t.elementSize;
        copy[at] = (copy[at]! & 0xfe) | (Math.random() < 0.5 ? 1 : 0);
        touched++;
      }
    }
    assert.ok(touched > 300);
    const verdict = await trace(copy);
    assert.equal(verdict.kind === 'named' && verdict.best.name, 'researcher23');
  });

  it('names the recipient of a copy whose BF16 and F16 tensors were upcast to F32 and F32 ones to F64', async () => {
    const copy = copies[11]!;
    const tensors = readSafetensorsIndependently(copy);
    const upcast = header.tensors.map((t) => {
      const data = tensors.get(t.name)!;
      if (t.dtype === 'I64') return { name: t.name, dtype: t.dtype, shape: t.shape, data };
      const values = t.dtype === 'F32' ? new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)) : widenHalf(data, t.dtype);
      return t.dtype === 'F32'
        ? { name: t.name, dtype: 'F64', shape: t.shape, data: new Uint8Array(Float64Array.from(values).buffer) }
        : { name: t.name, dtype: 'F32', shape: t.shape, data: new Uint8Array(Float32Array.from(values).buffer) };
    });
    const verdict = await trace(assembleSafetensors(upcast));
    assert.equal(verdict.kind === 'named' && verdict.best.name, 'researcher11');
    assert.equal(verdict.kind === 'named' && verdict.best.agreeing, 128);
  });

  it('reads each byte of the suspect once however many candidates it scores', async () => {
    const counted = async (candidates: TraceOriginal['candidates']) => {
      let bytes = 0;
      const copy = copies[5]!;
      const verdict = await traceSuspect(secret, parseSafetensorsHeader(copy, copy.length), async (at, length) => {
        bytes += length;
        return copy.subarray(at, at + length);
      }, [{ ...record, candidates }]);
      assert.equal(verdict.kind === 'named' && verdict.best.name, 'researcher5');
      return bytes;
    };
    const alone = await counted([recipients[5]!]);
    assert.ok(alone <= original.length - header.dataStart, `${alone} bytes read`);
    assert.equal(await counted(recipients), alone);
  });

  it('scores every candidate at their own positions: other recipients\' copies and innocents agree only by chance', async () => {
    const verdict = await trace(copies[9]!);
    assert.equal(verdict.kind === 'named' && verdict.best.name, 'researcher9');
    const others = verdict.files[0]!.scores.filter((s) => s.name !== 'researcher9');
    assert.equal(others.length, 49);
    const agreeing = others.reduce((n, s) => n + s.agreeing, 0) / others.reduce((n, s) => n + s.decided, 0);
    assert.ok(agreeing > 0.4 && agreeing < 0.6, `innocent candidates agree on ${(agreeing * 100).toFixed(1)}% of bits`);
    assert.ok(others.every((s) => s.falseMatchProbability > 1e-9), 'no innocent candidate comes near the bound');
  });

  it('names nobody for the un-fingerprinted original', async () => {
    const verdict = await trace(original);
    assert.equal(verdict.kind, 'nobody');
    assert.match(verdict.kind === 'nobody' ? verdict.reason : '', /nobody named/);
  });

  it('names nobody when the copy belongs to someone outside the candidate set', async () => {
    const stranger = await copyFor(randomUUID());
    const verdict = await trace(stranger);
    assert.equal(verdict.kind, 'nobody');
  });

  it('cannot decide for a file none of whose tensors match a fingerprinted file', async () => {
    const unrelated = buildSafetensors('other', [{ name: 'x', dtype: 'F32', shape: [2048] }]);
    const verdict = await trace(unrelated);
    assert.equal(verdict.kind, 'nobody');
    assert.match(verdict.kind === 'nobody' ? verdict.reason : '', /cannot decide/);
  });

  it('never names anyone for files with the original\'s header but other weights', async () => {
    for (let i = 0; i < 10; i++) {
      const other = buildSafetensors(`innocent-${i}`, SMALL_MODEL, { format: 'pt' });
      const verdict = await trace(other);
      assert.equal(verdict.kind, 'nobody', `seed ${i}`);
      const best = verdict.files[0]!.scores[0]!;
      assert.ok(best.adjustedProbability > 1e-6, `seed ${i}: ${best.agreeing}/${best.decided}`);
    }
  });

  it('tells two fine-tuned revisions with the same header apart by their marks', async () => {
    const revised = buildSafetensors('leak-v2', SMALL_MODEL, { format: 'pt' });
    const revisedHeader: SafetensorsHeader = parseSafetensorsHeader(revised, revised.length);
    const revisedRecord: TraceOriginal = { fileSha256: sha256(revised), header: revisedHeader, label: 'lab/model:v2', candidates: recipients };
    const verdict = await trace(copies[3]!, [revisedRecord, record]);
    assert.equal(verdict.kind === 'named' && verdict.best.name, 'researcher3');
    assert.equal(verdict.kind === 'named' && verdict.file.original.label, 'lab/model:model.safetensors');
  });
});
