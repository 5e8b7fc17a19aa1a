import { patchBuffer, type CopyPlan } from './fingerprints.models.ts';

/** The widest marked element (F32) less one: how far past a range its last element may reach. */
const ELEMENT_TAIL = 3;

/** The last byte to read from the original to produce bytes [start, end] of a copy. */
export const readEndFor = (end: number, fileSize: number) => Math.min(end + ELEMENT_TAIL, fileSize - 1);

/**
 * The recipient's copy of bytes [start, end] of a file, from `source`: the original's bytes
 * [start, readEndFor(end, size)]. Any range gives exactly the bytes of the same range of the
 * whole copy, so `Range` requests and resumed downloads agree.
 *
 * Chunks are marked in place and handed on without copying; only when a marked element is cut
 * by a chunk boundary are its few bytes held back and joined to the next chunk.
 */
export async function* fingerprintRange(source: AsyncIterable<Buffer>, plan: CopyPlan, start: number, end: number, readEnd: number): AsyncGenerator<Buffer> {
  let carry: Buffer | null = null;
  let carryStart = start;
  let position = start;
  for await (const chunk of source) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    const bufStart: number = carry ? carryStart : position;
    position += chunk.length;
    const ready = patchBuffer(plan, buf, bufStart, position <= readEnd);
    carry = ready < position ? buf.subarray(ready - bufStart) : null;
    carryStart = ready;
    const out = clip(buf.subarray(0, ready - bufStart), bufStart, end);
    if (out.length > 0) yield out;
    if (ready > end) return;
  }
  // Only a source that ended early (a truncated blob) leaves a carry; its element stays unmarked.
  if (carry) {
    const out = clip(carry, carryStart, end);
    if (out.length > 0) yield out;
  }
}

const clip = (buf: Buffer, bufStart: number, end: number) => (bufStart + buf.length > end + 1 ? buf.subarray(0, Math.max(0, end + 1 - bufStart)) : buf);
