import { createCipheriv, createHash } from 'node:crypto';
import type { CopyPlan } from '../../src/modules/fingerprints/fingerprints.models.ts';
import { fingerprintRange, readEndFor } from '../../src/modules/fingerprints/fingerprints.stream.ts';

/** Builds real safetensors files for tests: random F32/F16/BF16 (and integer) tensors, seeded. */

export interface TensorSpec {
  name: string;
  dtype: 'F32' | 'F16' | 'BF16' | 'I64' | 'U8';
  shape: number[];
}

const SIZES = { F32: 4, F16: 2, BF16: 2, I64: 8, U8: 1 } as const;

/** Deterministic pseudo-random bytes (AES-CTR keyed by the seed's hash). */
function randomBytesFrom(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

/**
 * Values like trained weights: F32 and BF16 from a narrow normal-ish range, F16 too, plus a few
 * zeros, infinities and NaNs so the non-finite rule is exercised.
 */
function tensorBytes(seed: string, spec: TensorSpec): Buffer {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const raw = randomBytesFrom(seed, count * 4);
  if (spec.dtype === 'I64' || spec.dtype === 'U8') return randomBytesFrom(seed, count * SIZES[spec.dtype]);
  const f32 = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const u = raw.readUInt32LE(i * 4);
    f32[i] = u % 997 === 0 ? [0, Infinity, -Infinity, NaN][u % 4]! : ((u / 2 ** 32) - 0.5) * 0.2;
  }
  if (spec.dtype === 'F32') return Buffer.from(f32.buffer);
  const out = Buffer.alloc(count * 2);
  const bits = new Uint32Array(f32.buffer);
  for (let i = 0; i < count; i++) {
    if (spec.dtype === 'BF16') out.writeUInt16LE(bits[i]! >>> 16, i * 2);
    else out.writeUInt16LE(toHalf(f32[i]!), i * 2);
  }
  return out;
}

function toHalf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const abs = Math.abs(value);
  if (abs === Infinity) return sign | 0x7c00;
  if (abs < 2 ** -14) return sign | Math.round(abs / 2 ** -24);
  let exp = Math.floor(Math.log2(abs));
  let mant = Math.round((abs / 2 ** exp - 1) * 1024);
  if (mant === 1024) [exp, mant] = [exp + 1, 0];
  return exp > 15 ? sign | 0x7c00 : sign | ((exp + 15) << 10) | mant;
}

/** A complete safetensors file with the tensors in the given order. */
export function buildSafetensors(seed: string, specs: TensorSpec[], metadata?: Record<string, string>): Buffer {
  const datas = specs.map((spec) => tensorBytes(`${seed}/${spec.name}`, spec));
  return assembleSafetensors(specs.map((spec, i) => ({ ...spec, data: datas[i]! })), metadata);
}

/** Writes tensors (with their bytes) as a safetensors file, padding the header with spaces to 8 bytes. */
export function assembleSafetensors(tensors: { name: string; dtype: string; shape: number[]; data: Uint8Array }[], metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([length, Buffer.from(json), ...tensors.map((t) => t.data)]);
}

/** A model of a few MB: several tensors of each floating-point dtype and an integer one. */
export const SMALL_MODEL: TensorSpec[] = [
  { name: 'embed.weight', dtype: 'F32', shape: [512, 640] },
  { name: 'layers.0.attn.weight', dtype: 'BF16', shape: [640, 640] },
  { name: 'layers.0.mlp.weight', dtype: 'F16', shape: [640, 1024] },
  { name: 'layers.0.norm.weight', dtype: 'F32', shape: [640] },
  { name: 'layers.1.attn.weight', dtype: 'F32', shape: [640, 640] },
  { name: 'layers.1.mlp.weight', dtype: 'BF16', shape: [1024, 640] },
  { name: 'position_ids', dtype: 'I64', shape: [1, 2048] },
  { name: 'lm_head.weight', dtype: 'F16', shape: [640, 512] },
];

/** The original's bytes [start, end] in chunks of the given sizes (cycled), as a blob store would hand them. */
async function* chunked(file: Buffer, start: number, end: number, sizes: number[]) {
  for (let at = start, i = 0; at <= end; i++) {
    const size = sizes[i % sizes.length]!;
    yield Buffer.from(file.subarray(at, Math.min(end + 1, at + size)));
    at += size;
  }
}

/** Bytes [start, end] of the recipient's fingerprinted copy of `file` that `plan` describes, through the streaming transform. */
export async function copyRange(file: Buffer, plan: CopyPlan, start = 0, end = file.length - 1, sizes = [1 << 20]): Promise<Buffer> {
  const readEnd = readEndFor(end, file.length);
  const parts: Buffer[] = [];
  for await (const part of fingerprintRange(chunked(file, start, readEnd, sizes), plan, start, end, readEnd)) parts.push(part);
  return Buffer.concat(parts);
}
