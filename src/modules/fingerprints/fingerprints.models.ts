import { createCipheriv, createHmac } from 'node:crypto';
import type { SafetensorsHeader, TensorEntry } from './safetensors.ts';

/**
 * Per-recipient fingerprints of safetensors weights. Pure (no I/O).
 *
 * - Positions: each floating-point tensor (F32, F16, BF16) is cut into blocks of `BLOCK` elements;
 *   a keyed PRF of (server secret, file sha256, recipient id, tensor name, block) picks at most one
 *   element per block. So at most 1 element in 1024 is touched, and each recipient has their own
 *   positions: colluders who compare their copies learn where *their* marks lie, not everyone's.
 *   Tracing therefore reads a suspect at each candidate's positions in turn (see fingerprints.trace.ts).
 * - Codeword: a 128-bit code, HMAC(secret, file sha256, recipient id). Block b carries code bit
 *   (b + shift) mod 128, XORed with a keyed whitening bit so the marks are balanced whatever the
 *   weights' own low bits are. Each bit is repeated over many blocks; decoding is a majority vote.
 *   At another candidate's positions the low bits are those of random elements, so that
 *   candidate's votes are fair coins: the binomial bound of `scoreCode` holds for every innocent.
 * - Mark: the element's lowest mantissa bit is set to that value: a change of at most 1 unit in the
 *   last place. Non-finite elements (all-ones exponent) are never touched, so Inf never becomes NaN.
 */

/** v1 had per-file positions; v2 (per-recipient positions) marks and traces differently. */
export const SCHEME = 'airlock-fp/v2';
export const BLOCK = 1024;
export const CODE_BITS = 128;
export const MARKED_DTYPES = new Set(['F32', 'F16', 'BF16']);
const SIZES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

export interface MarkedTensor {
  name: string;
  dtype: string;
  elementSize: number;
  elementCount: number;
  /** Absolute byte offsets in the file: [start, end). */
  start: number;
  end: number;
  aesKey: Buffer;
  shift: number;
  /** All marks of a small tensor, computed once: a file of many tiny tensors would otherwise pay a cipher set-up per tensor per chunk. */
  allMarks?: Mark[];
}

/** What fingerprinting needs to make one recipient's copy of one original file: where to write, and what. */
export interface CopyPlan {
  fileSha256: string;
  recipientId: string;
  code: Buffer;
  tensors: MarkedTensor[];
}

/** The recipient identifies the copy, the tensor name the tensor: the last field may hold any character. */
export function tensorKeys(secret: Buffer, fileSha256: string, recipientId: string, name: string): { aesKey: Buffer; shift: number } {
  const digest = createHmac('sha256', secret).update(`${SCHEME}/tensor\0${fileSha256}\0${recipientId}\0${name}`).digest();
  return { aesKey: digest.subarray(0, 16), shift: digest.readUInt16LE(16) % CODE_BITS };
}

/** The plan of a recipient's copy of an original file. `dataStart` shifts offsets to absolute file positions. */
export function planCopy(secret: Buffer, fileSha256: string, header: Pick<SafetensorsHeader, 'dataStart' | 'tensors'>, recipientId: string): CopyPlan {
  const tensors = header.tensors.filter((t) => MARKED_DTYPES.has(t.dtype) && t.elementCount > 0).map((t) => markedTensor(secret, fileSha256, recipientId, t, header.dataStart));
  return { fileSha256, recipientId, code: recipientCode(secret, fileSha256, recipientId), tensors };
}

const SMALL_TENSOR_BLOCKS = 16;

export function markedTensor(secret: Buffer, fileSha256: string, recipientId: string, t: TensorEntry, dataStart: number): MarkedTensor {
  const tensor: MarkedTensor = { name: t.name, dtype: t.dtype, elementSize: SIZES[t.dtype]!, elementCount: t.elementCount, start: dataStart + t.begin, end: dataStart + t.end, ...tensorKeys(secret, fileSha256, recipientId, t.name) };
  const blocks = Math.ceil(t.elementCount / BLOCK);
  if (blocks <= SMALL_TENSOR_BLOCKS) tensor.allMarks = marksOf(tensor, 0, blocks);
  return tensor;
}

/** The 128-bit code of one recipient for one file. */
export const recipientCode = (secret: Buffer, fileSha256: string, recipientId: string): Buffer =>
  createHmac('sha256', secret).update(`${SCHEME}/recipient\0${fileSha256}\0${recipientId}`).digest().subarray(0, CODE_BITS / 8);

export const codeBit = (code: Uint8Array, j: number) => (code[j >> 3]! >> (j & 7)) & 1;

export interface Mark {
  /** Element index within the tensor. */
  element: number;
  bit: number;
  whitening: number;
}

/** The marks of blocks [fromBlock, toBlock) of a tensor, in element order. */
export function marksOf(t: MarkedTensor, fromBlock: number, toBlock: number): Mark[] {
  if (t.allMarks) return t.allMarks.filter((m) => m.element >= fromBlock * BLOCK && m.element < toBlock * BLOCK);
  const marks: Mark[] = [];
  forEachMark(t, fromBlock, toBlock, (element, bit, whitening) => marks.push({ element, bit, whitening }));
  return marks;
}

/** The marks of blocks [fromBlock, toBlock), without building objects (tracing visits every candidate's). */
function forEachMark(t: MarkedTensor, fromBlock: number, toBlock: number, visit: (element: number, bit: number, whitening: number) => void): void {
  const blocks = Math.min(toBlock, Math.ceil(t.elementCount / BLOCK)) - fromBlock;
  if (blocks <= 0) return;
  // AES-CTR as a PRF with random access: the keystream of block b is AES(key, b).
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(Math.floor(fromBlock / 2 ** 32), 8);
  iv.writeUInt32BE(fromBlock >>> 0, 12);
  const stream = createCipheriv('aes-128-ctr', t.aesKey, iv).update(Buffer.alloc(blocks * 16));
  for (let i = 0; i < blocks; i++) {
    const b = fromBlock + i;
    const element = b * BLOCK + (stream.readUInt16LE(i * 16) % BLOCK);
    if (element >= t.elementCount) continue;
    visit(element, (b + t.shift) % CODE_BITS, stream[i * 16 + 2]! & 1);
  }
}

/** Whether the little-endian element at `at` is Inf or NaN (its exponent bits all ones). */
export function isNonFinite(dtype: string, bytes: Uint8Array, at: number): boolean {
  if (dtype === 'F32') return (bytes[at + 3]! & 0x7f) === 0x7f && (bytes[at + 2]! & 0x80) === 0x80;
  if (dtype === 'F16') return (bytes[at + 1]! & 0x7c) === 0x7c;
  return (bytes[at + 1]! & 0x7f) === 0x7f && (bytes[at]! & 0x80) === 0x80; // BF16
}

/**
 * Applies the marks whose lowest byte lies in `buf` (which holds file bytes from `bufStart`).
 * A marked element cut by the end of `buf` cannot be judged (its exponent is in the next bytes):
 * when `more` data follows, the offset of its first byte is returned so the caller holds the tail
 * back; otherwise (a truncated file) it is left as it is. Returns `bufStart + buf.length` when done.
 */
export function patchBuffer(plan: CopyPlan, buf: Uint8Array, bufStart: number, more: boolean): number {
  const code = plan.code;
  const bufEnd = bufStart + buf.length;
  for (let k = firstTensorEndingAfter(plan.tensors, bufStart); k < plan.tensors.length; k++) {
    const t = plan.tensors[k]!;
    if (t.start >= bufEnd) break;
    const firstElement = Math.max(0, Math.floor((bufStart - t.start) / t.elementSize));
    const lastElement = Math.min(t.elementCount - 1, Math.floor((bufEnd - 1 - t.start) / t.elementSize));
    for (const mark of marksOf(t, Math.floor(firstElement / BLOCK), Math.floor(lastElement / BLOCK) + 1)) {
      const at = t.start + mark.element * t.elementSize;
      if (at < bufStart || at >= bufEnd) continue;
      if (at + t.elementSize > bufEnd) {
        if (more) return at;
        continue;
      }
      const i = at - bufStart;
      if (isNonFinite(t.dtype, buf, i)) continue;
      buf[i] = (buf[i]! & 0xfe) | (codeBit(code, mark.bit) ^ mark.whitening);
    }
  }
  return bufEnd;
}

/** Index of the first tensor (sorted by offset) that ends after `offset`: a model may have many thousands. */
function firstTensorEndingAfter(tensors: MarkedTensor[], offset: number): number {
  let lo = 0;
  let hi = tensors.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tensors[mid]!.end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Majority votes per code bit: how many marks read 1 and 0 after removing the whitening. */
export interface Votes {
  ones: Uint32Array;
  zeros: Uint32Array;
}

export const emptyVotes = (): Votes => ({ ones: new Uint32Array(CODE_BITS), zeros: new Uint32Array(CODE_BITS) });

/**
 * Reads the marks of tensor `t` (one candidate's positions in the original) out of `bytes`: the
 * same tensor's data in the suspected copy, from element `firstBlock * BLOCK` on (the copy may hold the tensor
 * at another offset, and a big tensor is read a few blocks at a time).
 */
export function voteTensor(t: MarkedTensor, bytes: Uint8Array, votes: Votes, firstBlock = 0): number {
  let read = 0;
  const blocks = Math.ceil(bytes.length / t.elementSize / BLOCK);
  const base = firstBlock * BLOCK * t.elementSize;
  const vote = (element: number, bit: number, whitening: number) => {
    const at = element * t.elementSize - base;
    if (at + t.elementSize > bytes.length || isNonFinite(t.dtype, bytes, at)) return;
    if (((bytes[at]! & 1) ^ whitening) === 1) votes.ones[bit]!++;
    else votes.zeros[bit]!++;
    read++;
  };
  if (t.allMarks) for (const m of marksOf(t, firstBlock, firstBlock + blocks)) vote(m.element, m.bit, m.whitening);
  else forEachMark(t, firstBlock, firstBlock + blocks, vote);
  return read;
}

export interface Score {
  /** Code bits with a strict majority (ties and bits with no mark are undecided). */
  decided: number;
  agreeing: number;
  /** P(at least `agreeing` of `decided` fair coin flips agree): the chance an innocent code matches this well. */
  falseMatchProbability: number;
}

export function scoreCode(votes: Votes, code: Uint8Array): Score {
  let decided = 0;
  let agreeing = 0;
  for (let j = 0; j < CODE_BITS; j++) {
    const ones = votes.ones[j]!;
    const zeros = votes.zeros[j]!;
    if (ones === zeros) continue;
    decided++;
    if ((ones > zeros ? 1 : 0) === codeBit(code, j)) agreeing++;
  }
  return { decided, agreeing, falseMatchProbability: binomialTail(decided, agreeing) };
}

/** P(X ≥ k) for X ~ Binomial(n, 1/2), summed in log space so it stays exact far into the tail. */
export function binomialTail(n: number, k: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  let logC = 0;
  for (let i = 0; i < k; i++) logC += Math.log(n - i) - Math.log(i + 1);
  let total = 0;
  for (let i = k; i <= n; i++) {
    total += Math.exp(logC - n * Math.LN2);
    logC += Math.log(n - i) - Math.log(i + 1);
  }
  return Math.min(1, total);
}

/**
 * Nobody is named unless the best match, corrected for how many candidates were tried, would
 * arise by chance less than once in 10^12 traces.
 */
export const FALSE_ACCUSATION_BOUND = 1e-12;
