/**
 * A strict reader of the safetensors header (https://github.com/huggingface/safetensors#format):
 * 8 bytes little-endian header length N, N bytes of JSON, then the data section. Every tensor's
 * `data_offsets` are relative to the data section. Pure; it never throws anything but
 * `SafetensorsError`, whatever the bytes (fuzzed in `safetensors.test.ts`).
 */

export class SafetensorsError extends Error {
  readonly code: 'too_short' | 'header_too_large' | 'bad_json' | 'bad_tensor' | 'bad_layout';
  constructor(code: SafetensorsError['code'], message: string) {
    super(message);
    this.name = 'SafetensorsError';
    this.code = code;
  }
}

/** Bytes per element of each dtype the format defines. */
export const DTYPE_SIZES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

/** The reference implementation refuses headers over 100 MB; so do we (it bounds memory). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Byte offsets relative to the data section: [begin, end). */
  begin: number;
  end: number;
  elementCount: number;
}

export interface SafetensorsHeader {
  /** N, the JSON header's length; the data section starts at 8 + N. */
  headerLength: number;
  dataStart: number;
  /** Length of the data section (the last tensor's end). */
  dataLength: number;
  /** Sorted by `begin`. */
  tensors: TensorEntry[];
  metadata: Record<string, string> | null;
}

/** Reads N from the first 8 bytes; how many bytes to read before calling `parseSafetensorsHeader`. */
export function readHeaderLength(first8: Uint8Array): number {
  if (first8.length < 8) throw new SafetensorsError('too_short', 'The file is shorter than the 8-byte safetensors header length.');
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const n = view.getBigUint64(0, true);
  if (n < 2n) throw new SafetensorsError('bad_json', 'The safetensors header is empty.');
  if (n > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError('header_too_large', `The safetensors header claims ${n} bytes; at most ${MAX_HEADER_BYTES} are allowed.`);
  return Number(n);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Parses and validates a header. `prefix` holds at least the first 8 + N bytes of the file.
 * With `fileSize`, the data section must be exactly as long as the tensors need (no trailing or
 * missing bytes): a truncated file is refused, not half-read.
 */
export function parseSafetensorsHeader(prefix: Uint8Array, fileSize?: number): SafetensorsHeader {
  const headerLength = readHeaderLength(prefix);
  if (prefix.length < 8 + headerLength) throw new SafetensorsError('too_short', `The file ends inside its ${headerLength}-byte safetensors header.`);
  const bytes = prefix.subarray(8, 8 + headerLength);
  if (bytes[0] !== 0x7b) throw new SafetensorsError('bad_json', 'The safetensors header must be a JSON object starting with "{".');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new SafetensorsError('bad_json', 'The safetensors header is not valid UTF-8 JSON.');
  }
  if (!isPlainObject(json)) throw new SafetensorsError('bad_json', 'The safetensors header must be a JSON object.');

  let metadata: Record<string, string> | null = null;
  const tensors: TensorEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isPlainObject(value) || !Object.values(value).every((v) => typeof v === 'string')) throw new SafetensorsError('bad_json', '__metadata__ must map strings to strings.');
      metadata = value as Record<string, string>;
      continue;
    }
    tensors.push(parseTensor(name, value));
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  // The data section is fully indexed: tensors follow each other from 0 with no gap or overlap.
  let expected = 0;
  for (const t of tensors) {
    if (t.begin !== expected) throw new SafetensorsError('bad_layout', `Tensor ${JSON.stringify(t.name)} starts at ${t.begin}; expected ${expected} (tensors must not overlap or leave gaps).`);
    expected = t.end;
  }
  const dataStart = 8 + headerLength;
  if (fileSize !== undefined && dataStart + expected !== fileSize) {
    throw new SafetensorsError('bad_layout', `The tensors need ${dataStart + expected} bytes but the file has ${fileSize}.`);
  }
  return { headerLength, dataStart, dataLength: expected, tensors, metadata };
}

function parseTensor(name: string, value: unknown): TensorEntry {
  const where = `Tensor ${JSON.stringify(name.slice(0, 200))}`;
  if (!isPlainObject(value)) throw new SafetensorsError('bad_tensor', `${where} must be an object.`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZES)) throw new SafetensorsError('bad_tensor', `${where} has an unknown dtype.`);
  if (!Array.isArray(shape) || !shape.every(isCount)) throw new SafetensorsError('bad_tensor', `${where} has a bad shape.`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) throw new SafetensorsError('bad_tensor', `${where} has bad data_offsets.`);
  const [begin, end] = offsets as [number, number];
  let elementCount = 1;
  for (const dim of shape as number[]) {
    elementCount *= dim;
    if (!Number.isSafeInteger(elementCount)) throw new SafetensorsError('bad_tensor', `${where} is too large.`);
  }
  const byteLength = elementCount * DTYPE_SIZES[dtype]!;
  if (end < begin || end - begin !== byteLength) throw new SafetensorsError('bad_tensor', `${where} spans ${end - begin} bytes but its dtype and shape need ${byteLength}.`);
  return { name, dtype, shape: shape as number[], begin, end, elementCount };
}
