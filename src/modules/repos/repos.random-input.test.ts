import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

/** Strings that reach the tricky parts: separators, dots, control characters, lone surrogates, non-ASCII. */
const awkwardString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', 'B', '/', '.', '..', '-', '_', ' ', '\\', '\u0000', '\n', '\ud800', '\udfff', 'é', 'e\u0301', '名', '%', '%2F'), maxLength: 30 }),
);
const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const anything = fc.oneof(fc.jsonValue({ maxDepth: 3 }), awkwardString);

describe('random JSON bodies against the live server (property)', () => {
  let server: TestServer;
  let token: string;
  let knownSha256: string;
  /** How often each endpoint answered each status, as `repos 201` or `commit 400`. */
  const statuses = new Map<string, number>();

  const send = async (endpoint: string, method: string, url: string, body: string) => {
    const res = await server.api(method, url, { token, body, headers: { 'Content-Type': 'application/json' } });
    const text = await res.text();
    statuses.set(`${endpoint} ${res.status}`, (statuses.get(`${endpoint} ${res.status}`) ?? 0) + 1);
    assert.ok(res.status < 500, `${method} ${url} ${body.slice(0, 500)} → ${res.status} ${text}`);
    if (res.status >= 400) assert.ok(JSON.parse(text).error, `no error message for ${body.slice(0, 200)}`);
  };

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    await server.createOrg('fuzz', 'alice');
    token = await server.createToken('alice');
    await createRepo(server, token, 'alice/fuzzed');
    await uploadFiles(server, token, 'alice/fuzzed', { 'README.md': '# fuzz\n', 'dir/file.bin': 'x' });
    const upload = await server.api('PUT', '/api/models/alice/fuzzed/upload', { token, body: Buffer.from('known blob') });
    knownSha256 = ((await upload.json()) as { sha256: string }).sha256;
  });
  after(() => server.close());

  it('never answers POST /api/repos with a 5xx, whatever the JSON body', async () => {
    const plausible = fc.record({
      repo: fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}$/).map((n) => `alice/${n}`),
      type: fc.constantFrom('model', 'dataset'),
      private: fc.boolean(),
    });
    const body = fc.oneof(
      anything,
      plausible,
      fc.record({
        repo: fc.oneof(anything, awkwardString.map((s) => `alice/${s}`), awkwardString.map((s) => `fuzz/${s}`), awkwardString.map((s) => `${s}/model`)),
        type: fc.oneof(fc.constantFrom('model', 'dataset'), anything),
        private: fc.oneof(fc.boolean(), anything),
        accessLevel: fc.oneof(fc.constantFrom('open', 'agreement', 'reviewed', 'no-download'), anything),
      }, { requiredKeys: [] }),
    );
    await fc.assert(fc.asyncProperty(body, async (value) => send('repos', 'POST', '/api/repos', JSON.stringify(value))), { numRuns: 300 });
  });

  it('never answers the commit endpoint with a 5xx, whatever the JSON body or branch', async () => {
    const operation = fc.record({
      op: fc.oneof(fc.constantFrom('add', 'delete'), anything),
      path: fc.oneof(awkwardString, fc.constantFrom('README.md', 'dir/file.bin', 'dir', 'DIR/x', 'dir/file.bin/x', 'new.txt'), anything),
      sha256: fc.oneof(fc.constant(knownSha256), hex(64), anything),
    }, { requiredKeys: [] });
    const plausible = fc.record({
      message: fc.string({ minLength: 1 }).filter((m) => m.trim() !== ''),
      operations: fc.array(fc.record({ op: fc.constant('add'), path: fc.stringMatching(/^[a-z0-9]{1,8}(\/[a-z0-9 ._-]{1,12}){0,2}$/), sha256: fc.constant(knownSha256) }), { minLength: 1, maxLength: 3 }),
    });
    const body = fc.oneof(
      anything,
      plausible,
      fc.record({
        message: fc.oneof(awkwardString, anything),
        parentCommit: fc.oneof(hex(40), anything),
        operations: fc.oneof(anything, fc.array(operation, { maxLength: 6 })),
      }, { requiredKeys: [] }),
    );
    const encodable = (s: string) => {
      try {
        return encodeURIComponent(s) !== '';
      } catch {
        return false; // a lone surrogate cannot be put in a URL
      }
    };
    const branch = fc.oneof(fc.constant('main'), awkwardString.filter(encodable).map((s) => encodeURIComponent(s)));
    await fc.assert(
      fc.asyncProperty(body, branch, async (value, name) => send('commit', 'POST', `/api/models/alice/fuzzed/commit/${name}`, JSON.stringify(value))),
      { numRuns: 300 },
    );
  });

  it('reached both refusals and successes on each endpoint', () => {
    for (const seen of ['repos 201', 'repos 400', 'commit 201', 'commit 400']) assert.ok(statuses.has(seen), `no "${seen}" among ${JSON.stringify([...statuses])}`);
  });
});
