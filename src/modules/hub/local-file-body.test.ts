import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generatedBytes } from '../../../test/support/generated-file.ts';
import { pooledBuffers, sendFileRange } from './local-file-body.ts';

/** A real HTTP server on loopback whose every response is bytes `start..end` of `file`, as the download route sends them. */
async function serveRange(file: string, start: number, end: number) {
  const results: Array<Promise<number>> = [];
  const server = http.createServer(async (_req, res) => {
    res.writeHead(200, { 'Content-Length': String(end - start + 1) });
    results.push(sendFileRange(res, await fs.open(file, 'r'), start, end));
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
});
