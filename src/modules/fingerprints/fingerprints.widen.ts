/**
 * Reading marks through a lossless upcast: a BF16 or F16 tensor saved as F32 (or F64), or an F32
 * tensor saved as F64, holds exactly the original values, so converting them back gives the
 * original bytes, marks included. Pure.
 */

const WIDER: Record<string, string[]> = { BF16: ['F32', 'F64'], F16: ['F32', 'F64'], F32: ['F64'] };

/** Whether `suspect` can hold `original`'s values exactly. */
export const isLosslessUpcast = (original: string, suspect: string) => WIDER[original]?.includes(suspect) ?? false;

export const dtypeBytes = (dtype: string) => (dtype === 'F64' ? 8 : dtype === 'F32' ? 4 : 2);

/** Converts little-endian `from` elements back to `to` elements: exact for values `to` can hold (it truncates others). */
export function narrow(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = dtypeBytes(from);
  const count = Math.floor(bytes.length / size);
  const out = new Uint8Array(count * dtypeBytes(to));
  const outView = new DataView(out.buffer);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < count; i++) {
    f32[0] = from === 'F64' ? view.getFloat64(i * size, true) : view.getFloat32(i * size, true);
    if (to === 'F32') outView.setFloat32(i * 4, f32[0]!, true);
    else if (to === 'BF16') outView.setUint16(i * 2, u32[0]! >>> 16, true);
    else outView.setUint16(i * 2, toHalfBits(u32[0]!), true);
  }
  return out;
}

/** IEEE 754 binary32 bits → binary16 bits, exact for every value binary16 can hold. */
function toHalfBits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = (mantissa | 0x800000) >>> (1 - e + 13);
    return sign | m;
  }
  return sign | (e << 10) | (mantissa >>> 13);
}
