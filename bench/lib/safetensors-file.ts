import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * Writes a valid safetensors file of about `size` bytes: F32 tensors of at most 64 MiB filled
 * with small pseudo-random weights, as a real checkpoint would hold (the fingerprinting row needs
 * real floating-point elements, not random bit patterns that are mostly NaN-free noise).
 */
export async function writeSafetensors(file: string, size: number): Promise<void> {
  const tensorBytes = Math.min(64 * 2 ** 20, size);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (let i = 0; offset < size - 4096; i++) {
    const bytes = Math.min(tensorBytes, Math.floor((size - 4096 - offset) / 4) * 4);
    header[`layers.${i}.weight`] = { dtype: 'F32', shape: [bytes / 4], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  const out = createWriteStream(file, { highWaterMark: 4 * 2 ** 20 });
  out.write(Buffer.concat([prefix, Buffer.from(json)]));
  // One 4 MiB block of weights, varied per block so the file does not deduplicate or compress away.
  const block = new Float32Array(2 ** 20);
  let state = 0x9e3779b9;
  for (let written = 0; written < offset; written += block.byteLength) {
    for (let i = 0; i < block.length; i++) {
      state = (state * 1664525 + 1013904223) >>> 0;
      block[i] = ((state / 2 ** 32) - 0.5) * 0.08;
    }
    const bytes = Buffer.from(block.buffer, 0, Math.min(block.byteLength, offset - written));
    if (!out.write(Buffer.from(bytes))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
