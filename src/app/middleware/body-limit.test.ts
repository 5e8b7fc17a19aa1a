import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { FORM_BODY_LIMIT, JSON_BODY_LIMIT } from './body-limit.ts';

describe('bodies read whole into memory are capped', () => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    token = await server.createToken('alice');
  });
  after(() => server.close());

  const problemOf = async (res: Response) => ({ status: res.status, ...((await res.json()) as { code: string; field: string }) });

  it('refuses a JSON body over the limit with 413, naming the body, when its length is declared', async () => {
    const body = JSON.stringify({ repo: 'alice/big', padding: 'x'.repeat(JSON_BODY_LIMIT) });
    const res = await fetch(`${server.url}/api/repos`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    assert.deepEqual((({ status, code, field }) => ({ status, code, field }))(await problemOf(res)), { status: 413, code: 'body_too_large', field: 'body' });
  });

  it('refuses a streamed JSON body without a declared length once it passes the limit', async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > JSON_BODY_LIMIT + chunk.length) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${server.url}/api/repos`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { code: string }).code, 'body_too_large');
  });

  it('leaves uploads alone, whatever content type the client names for the file', async () => {
    assert.equal((await server.api('POST', '/api/repos', { token, json: { repo: 'alice/configs' } })).status, 201);
    const file = JSON.stringify({ hidden_size: 4096, padding: 'x'.repeat(100_000) });
    const res = await fetch(`${server.url}/api/models/alice/configs/upload`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: file });
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(((await res.json()) as { sha256: string }).sha256, createHash('sha256').update(file).digest('hex'));
  });

  it('refuses a url-encoded form over its limit, and still takes an ordinary one', async () => {
    const big = await fetch(`${server.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url }, body: `username=alice&password=${'x'.repeat(FORM_BODY_LIMIT)}` });
    assert.equal(big.status, 413);
    const ok = await server.api('POST', '/api/repos', { token, json: { repo: 'alice/small' } });
    assert.equal(ok.status, 201);
  });
});
