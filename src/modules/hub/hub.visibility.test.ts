import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { downloadFile, listFiles, modelInfo, pathsInfo, whoAmI } from '@huggingface/hub';
import { caught } from '../../../test/support/hub-client.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const PRIVATE = 'acme/secret-lm';

describe('private repositories, bad tokens and token scopes', () => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  let headBefore: string;

  before(async () => {
    server = await startTestServer();
    for (const name of ['alice', 'bob', 'mallory']) {
      await server.createUser(name);
      tokens[name] = await server.createToken(name);
    }
    tokens.bobRead = await server.createToken('bob', 'read');
    await server.createOrg('acme', 'alice', { bob: 'read' });
    await createRepo(server, tokens.alice!, PRIVATE, { private: true });
    await uploadFiles(server, tokens.alice!, PRIVATE, { 'README.md': '# Secret\n', 'model.bin': 'secret weights' });
    await createRepo(server, tokens.alice!, 'alice/public-lm');
    headBefore = (await uploadFiles(server, tokens.alice!, 'alice/public-lm', { 'model.bin': 'public weights' })).commitOid;
  });
  after(() => server.close());

  for (const who of ['anonymous', 'mallory'] as const) {
    it(`answers 404 RepoNotFound to ${who === 'anonymous' ? 'an anonymous caller' : 'a signed-in non-member'} on every route of a private repo`, async () => {
      const token = who === 'anonymous' ? undefined : tokens.mallory;
      const calls: [string, string, unknown?][] = [
        ['GET', `/api/models/${PRIVATE}`],
        ['GET', `/api/models/${PRIVATE}/revision/main`],
        ['GET', `/api/models/${PRIVATE}/tree/main?recursive=true`],
        ['POST', `/api/models/${PRIVATE}/paths-info/main`, { paths: ['model.bin'] }],
        ['GET', `/${PRIVATE}/resolve/main/model.bin`],
        ['GET', `/${PRIVATE}/resolve/main/README.md`],
        ['HEAD', `/${PRIVATE}/resolve/main/model.bin`],
      ];
      for (const [method, url, json] of calls) {
        const res = await server.api(method, url, { token, json });
        assert.equal(res.status, 404, `${method} ${url}`);
        assert.equal(res.headers.get('x-error-code'), 'RepoNotFound', `${method} ${url}`);
        if (method !== 'HEAD') assert.match(((await res.json()) as { error: string }).error, /Repository not found/);
      }
      // Same answer as for a repository that does not exist: nothing tells them apart.
      const missing = await server.api('GET', '/api/models/acme/no-such-lm', { token });
      const secret = await server.api('GET', `/api/models/${PRIVATE}`, { token });
      assert.equal(((await missing.json()) as { error: string }).error.replace('no-such-lm', 'X'), ((await secret.json()) as { error: string }).error.replace('secret-lm', 'X'));
      const error = await caught(() => modelInfo({ name: PRIVATE, hubUrl: server.url, accessToken: token }));
      assert.equal(error.statusCode, 404);
    });
  }

  it('shows a private repo to a member of its organisation through the client, even with a read token', async () => {
    const info = await modelInfo({ name: PRIVATE, hubUrl: server.url, accessToken: tokens.bobRead });
    assert.equal(info.private, true);
    const files = [];
    for await (const entry of listFiles({ repo: PRIVATE, hubUrl: server.url, accessToken: tokens.bobRead })) files.push(entry.path);
    assert.deepEqual(files.sort(), ['README.md', 'model.bin']);
    const [info2] = await pathsInfo({ repo: PRIVATE, hubUrl: server.url, accessToken: tokens.bobRead, paths: ['model.bin'] });
    assert.equal(info2!.size, 14);
    const blob = await downloadFile({ repo: PRIVATE, path: 'model.bin', hubUrl: server.url, accessToken: tokens.bobRead });
    assert.equal(await blob!.text(), 'secret weights');
  });

  it('refuses a bad token with 401 "Invalid credentials in Authorization header", even on public files', async () => {
    for (const token of ['hf_notARealTokenAtAll000000000000000000000000', 'not-even-hf-prefixed']) {
      for (const url of ['/api/whoami-v2', '/alice/public-lm/resolve/main/model.bin', '/api/models/alice/public-lm']) {
        const res = await server.api('GET', url, { token });
        assert.equal(res.status, 401, url);
        assert.equal(((await res.json()) as { error: string }).error, 'Invalid credentials in Authorization header');
        assert.equal(res.headers.get('x-error-message'), 'Invalid credentials in Authorization header');
      }
    }
    const malformed = await server.api('GET', '/api/whoami-v2', { headers: { Authorization: 'Basic YWxpY2U6cHc=' } });
    assert.equal(malformed.status, 401);
    const error = await caught(() => whoAmI({ hubUrl: server.url, accessToken: 'hf_notARealTokenAtAll000000000000000000000000' }));
    assert.equal(error.statusCode, 401);
    assert.match(error.message, /^Invalid credentials in Authorization header/);
  });

  it('answers whoami without a token with 401', async () => {
    const res = await server.api('GET', '/api/whoami-v2');
    assert.equal(res.status, 401);
  });

  it('refuses uploads, commits and tags with a read-scoped token, and stores nothing', async () => {
    await server.createOrg('labs', 'bob');
    await createRepo(server, tokens.bob!, 'labs/own-lm');
    const upload = await server.api('PUT', '/api/models/labs/own-lm/upload', { token: tokens.bobRead, body: Buffer.from('x') });
    assert.equal(upload.status, 403);
    assert.match(((await upload.json()) as { error: string }).error, /read-only/);
    const good = await server.api('PUT', '/api/models/labs/own-lm/upload', { token: tokens.bob, body: Buffer.from('x') });
    const { sha256 } = (await good.json()) as { sha256: string };
    const commit = await server.api('POST', '/api/models/labs/own-lm/commit/main', { token: tokens.bobRead, json: { message: 'm', operations: [{ op: 'add', path: 'x.txt', sha256 }] } });
    assert.equal(commit.status, 403);
    const tag = await server.api('POST', '/api/models/labs/own-lm/tags', { token: tokens.bobRead, json: { tag: 'v1' } });
    assert.equal(tag.status, 403);
    const create = await server.api('POST', '/api/repos', { token: tokens.bobRead, json: { repo: 'labs/other-lm' } });
    assert.equal(create.status, 403);
    const refs = (await (await server.api('GET', '/api/models/labs/own-lm/refs', { token: tokens.bob })).json()) as { branches: unknown[]; tags: unknown[] };
    assert.equal(refs.tags.length, 0);
    const files = [];
    for await (const entry of listFiles({ repo: 'labs/own-lm', hubUrl: server.url })) files.push(entry.path);
    assert.deepEqual(files, []);
    assert.equal((await server.api('GET', '/api/models/labs/other-lm')).status, 404);
  });

  it('refuses writes to a repo by a member without the write role, or a stranger', async () => {
    const up = await server.api('PUT', `/api/models/${PRIVATE}/upload`, { token: tokens.bob, body: Buffer.from('y') });
    assert.equal(up.status, 403);
    const stranger = await server.api('PUT', '/api/models/alice/public-lm/upload', { token: tokens.mallory, body: Buffer.from('y') });
    assert.equal(stranger.status, 403);
    const info = (await (await server.api('GET', '/api/models/alice/public-lm')).json()) as { sha: string };
    assert.equal(info.sha, headBefore);
  });
});
