import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generatedBytes } from '../../../test/support/generated-file.ts';
import { canSendfile, sendFileBySendfile } from './sendfile-body.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A real HTTP server on loopback answering `?start=…&end=…` with those bytes of `file`, by sendfile. */
async function serveBySendfile(file: string) {
  const sends: Array<{ usedSendfile: boolean; sent: Promise<number>; handle: fs.FileHandle }> = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://x');
    const start = Number(url.searchParams.get('start'));
    const end = Number(url.searchParams.get('end'));
    res.writeHead(206, { 'Content-Length': String(end - start + 1), 'X-Range': `${start}-${end}` });
    const handle = await fs.open(file, 'r');
    const usedSendfile = await canSendfile(res);
    sends.push({ usedSendfile, handle, sent: sendFileBySendfile(res, handle, start, end) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { base, sends, close: () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }) };
}

/** GETs `url` on `agent`, reading the body as the server sends it, after an optional pause. */
function get(url: string, agent: http.Agent, pauseMs = 0) {
  return new Promise<{ body: Buffer; headers: http.IncomingHttpHeaders; localPort: number }>((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      const localPort = res.socket.localPort!;
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ body: Buffer.concat(chunks), headers: res.headers, localPort }));
      res.on('error', reject);
      if (pauseMs > 0) {
        res.pause();
        setTimeout(() => res.resume(), pauseMs);
      }
    }).on('error', reject);
  });
}

describe('sending a blob by sendfile', { skip: process.platform !== 'linux' && 'sendfile is Linux only' }, () => {
  let dir: string;
  let file: string;
  let bytes: Buffer;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-sendfile-'));
    file = path.join(dir, 'blob');
    // Larger than a loopback socket's buffer, so the kernel takes it in several goes.
    bytes = generatedBytes('sendfile', 24 * 2 ** 20 + 123);
    await fs.writeFile(file, bytes);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('sends exactly the bytes of the range asked for, and reports how many', async () => {
    const server = await serveBySendfile(file);
    const agent = new http.Agent({ keepAlive: false });
    try {
      for (const [start, end] of [[0, bytes.length - 1], [5, 5], [3_000_001, 19_000_000], [bytes.length - 10, bytes.length - 1]] as const) {
        const { body, headers } = await get(`${server.base}?start=${start}&end=${end}`, agent);
        assert.equal(headers['x-range'], `${start}-${end}`);
        assert.equal(sha256(body), sha256(bytes.subarray(start, end + 1)), `range ${start}-${end}`);
      }
      assert.ok(server.sends.every((send) => send.usedSendfile), 'a plain TCP socket on Linux takes the sendfile path');
      assert.deepEqual(await Promise.all(server.sends.map((send) => send.sent)), [bytes.length, 1, 15_999_999 + 1, 10]);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('waits for a client that stops reading, then finishes, on a connection kept alive for the next request', async () => {
    const server = await serveBySendfile(file);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const slow = await get(`${server.base}?start=0&end=${bytes.length - 1}`, agent, 400);
      const next = await get(`${server.base}?start=100&end=199`, agent);
      assert.equal(sha256(slow.body), sha256(bytes));
      assert.deepEqual(next.body, bytes.subarray(100, 200));
      assert.equal(next.localPort, slow.localPort, 'the second request reused the connection');
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('stops when the client goes away, reports the bytes that left, and closes the file', async () => {
    const server = await serveBySendfile(file);
    const agent = new http.Agent({ keepAlive: false });
    try {
      await new Promise<void>((resolve, reject) => {
        http.get(`${server.base}?start=0&end=${bytes.length - 1}`, { agent }, (res) => {
          res.once('data', () => {
            res.destroy();
            resolve();
          });
        }).on('error', reject);
      });
      const [send] = server.sends;
      const sent = await send!.sent;
      assert.ok(sent > 0 && sent < bytes.length, `sent ${sent} of ${bytes.length}`);
      assert.equal(send!.handle.fd, -1, 'the file was closed');
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});
