import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generatedBytes } from '../../../test/support/generated-file.ts';
import fc from 'fast-check';
import { buildSafetensors, copyRange } from '../../../test/support/safetensors.ts';
import { patchBuffer, planCopy } from '../fingerprints/fingerprints.models.ts';
import { readEndFor } from '../fingerprints/fingerprints.stream.ts';
import { parseSafetensorsHeader } from '../fingerprints/safetensors.ts';
import { pooledBuffers, sendFileRange, type RangeRewrite } from './local-file-body.ts';

/** A real HTTP server on loopback whose every response is bytes `start..end` of `file`, as the download route sends them. */
async function serveRange(file: string, start: number, end: number, rewrite?: RangeRewrite) {
  const results: Array<Promise<number>> = [];
  const server = http.createServer(async (_req, res) => {
    res.writeHead(200, { 'Content-Length': String(end - start + 1) });
    results.push(sendFileRange(res, await fs.open(file, 'r'), start, end, rewrite));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, results, close: () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }) };
}

describe('sending a blob file range to a socket', () => {
  const SIZE = 5 * 2 ** 20 + 12_345;
  const bytes = generatedBytes('local-file-body', SIZE);
  let dir: string;
  let file: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-file-body-'));
    file = path.join(dir, 'blob');
    await fs.writeFile(file, bytes);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('sends exactly the bytes asked for, across chunk boundaries, and reports them sent', async () => {
    for (const [start, end] of [[0, SIZE - 1], [2 ** 20 - 1, 3 * 2 ** 20], [SIZE - 1, SIZE - 1], [17, 17 + 2 ** 20 - 1]] as const) {
      const server = await serveRange(file, start, end);
      const body = Buffer.from(await (await fetch(server.url)).arrayBuffer());
      assert.equal(createHash('sha256').update(body).digest('hex'), createHash('sha256').update(bytes.subarray(start, end + 1)).digest('hex'), `${start}-${end}`);
      assert.equal(await server.results[0], end - start + 1);
      await server.close();
    }
  });

  it('reuses its buffers rather than allocating one per chunk', async () => {
    const server = await serveRange(file, 0, SIZE - 1);
    for (let i = 0; i < 3; i++) await (await fetch(server.url)).arrayBuffer();
    await Promise.all(server.results);
    const idle = pooledBuffers();
    assert.ok(idle >= 1 && idle <= 32, `the pool holds ${idle} idle buffers`);
    await (await fetch(server.url)).arrayBuffer();
    await Promise.all(server.results);
    assert.equal(pooledBuffers(), idle, 'a fourth download took its buffers from the pool and gave them all back');
    await server.close();
  });

  it('stops reading when the client goes away, and reports only what left', async () => {
    const server = await serveRange(file, 0, SIZE - 1);
    const controller = new AbortController();
    const res = await fetch(server.url, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const sent = await server.results[0]!;
    assert.ok(sent < SIZE, `${sent} of ${SIZE} bytes were handed to the socket`);
    await server.close();
  });

  it('marks a recipient\'s copy in place: any range is exactly that range of the whole copy, across 1 MiB buffers', async () => {
    // Over 2 MiB of weights, so ranges cross the pool's 1 MiB buffers at every alignment, and elements
    // cut by a buffer's end are carried into the next one.
    const weights = buildSafetensors('pooled-copy', [{ name: 'a', dtype: 'F32', shape: [300_000] }, { name: 'b', dtype: 'BF16', shape: [500_003] }, { name: 'c', dtype: 'F16', shape: [3, 70_001] }]);
    const weightsFile = path.join(dir, 'weights.safetensors');
    await fs.writeFile(weightsFile, weights);
    const plan = planCopy(Buffer.alloc(32, 9), createHash('sha256').update(weights).digest('hex'), parseSafetensorsHeader(weights, weights.length), 'user-1');
    const whole = await copyRange(weights, plan, 0, weights.length - 1);
    assert.notDeepEqual(whole, weights, 'the copy differs from the original');
    const check = async (start: number, end: number) => {
      const rewrite = { readEnd: readEndFor(end, weights.length), patch: (buf: Buffer, bufStart: number, more: boolean) => patchBuffer(plan, buf, bufStart, more) };
      const server = await serveRange(weightsFile, start, end, rewrite);
      const body = Buffer.from(await (await fetch(server.url)).arrayBuffer());
      assert.equal(await server.results[0], end - start + 1);
      await server.close();
      assert.ok(body.equals(whole.subarray(start, end + 1)), `bytes ${start}-${end} differ from the whole copy's`);
    };
    await check(0, weights.length - 1);
    // Ranges whose first buffer ends inside a marked element (1–3 bytes in): the element must be
    // carried into the next buffer and judged whole. Marked elements show where the copy differs.
    const CHUNK = 2 ** 20;
    const marked: number[] = [];
    for (let p = CHUNK; p < weights.length; p++) if (whole[p] !== weights[p]) marked.push(p);
    assert.ok(marked.length >= 20, `the copy marks ${marked.length} elements past the first buffer`);
    for (const p of marked.filter((_, i) => i % Math.floor(marked.length / 12) === 0)) {
      for (const cut of [1, 2, 3]) await check(p + cut - CHUNK, Math.min(weights.length - 1, p + cut + CHUNK));
    }
    await fc.assert(fc.asyncProperty(fc.nat(weights.length - 1), fc.nat(weights.length - 1), async (a, b) => check(Math.min(a, b), Math.max(a, b))), { numRuns: 40 });
  });
});
