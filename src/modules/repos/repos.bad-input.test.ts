import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { count, eq } from 'drizzle-orm';
import { blobs } from '../blobs/blobs.tables.ts';
import { repositories, revisions } from './repos.tables.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const REPO = 'alice/strict-lm';
type Problem = { status: number; code: string; field?: string; error: string; detail: string };

describe('bad input to the repository and Hub routes', () => {
  let server: TestServer;
  let token: string;
  let sha256: string;
  let otherSha: string;
  let head: string;

  const problem = async (res: Response, status: number, field?: string) => {
    const text = await res.text();
    assert.equal(res.status, status, text);
    const body = JSON.parse(text) as Problem;
    assert.equal(body.status, status);
    assert.ok(body.code && body.error, text);
    if (field !== undefined) assert.equal(body.field, field, text);
    return body;
  };
  const state = async () => {
    const { db } = server.runtime.deps;
    const [repo] = await db.select().from(repositories).where(eq(repositories.name, 'strict-lm'));
    const [revs] = await db.select({ n: count() }).from(revisions).where(eq(revisions.repoId, repo!.id));
    const [blobRows] = await db.select({ n: count() }).from(blobs);
    const refs = await (await server.api('GET', `/api/models/${REPO}/refs`, { token })).json();
    return { revisions: revs!.n, blobs: blobRows!.n, refs, tmp: await fs.readdir(path.join(server.dataDir, 'blobs', 'tmp')) };
  };
  const commit = (operations: unknown, extra: Record<string, unknown> = {}) =>
    server.api('POST', `/api/models/${REPO}/commit/main`, { token, json: { message: 'bad', operations, ...extra } });

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    token = await server.createToken('alice');
    await createRepo(server, token, REPO);
    head = (await uploadFiles(server, token, REPO, { 'README.md': '# ok\n', 'weights/model.bin': 'w' })).commitOid;
    const upload = await server.api('PUT', `/api/models/${REPO}/upload`, { token, body: Buffer.from('payload') });
    sha256 = ((await upload.json()) as { sha256: string }).sha256;
    await createRepo(server, token, 'alice/other-lm');
    const elsewhere = await server.api('PUT', '/api/models/alice/other-lm/upload', { token, body: Buffer.from('only in the other repo') });
    otherSha = ((await elsewhere.json()) as { sha256: string }).sha256;
  });
  after(() => server.close());

  it('refuses unsafe file paths in a commit, naming the operation, and stores nothing', async () => {
    const before = await state();
    const bad = ['../escape.txt', 'a/../../etc/passwd', 'a/./b.txt', '/etc/passwd', 'nul\u0000byte.txt', 'new\nline.txt', 'lone\ud800surrogate.txt', 'dir/\udfff', 'back\\slash.txt', 'C:\\windows\\x.dll',
      `${'x'.repeat(1025)}.txt`, `${'dir/'.repeat(200)}${'é'.repeat(300)}`, `${'y'.repeat(256)}/f.txt`, '', 'trailing/', 'double//slash.txt', '.git/config'];
    for (const p of bad) {
      const body = await problem(await commit([{ op: 'add', path: 'fine.txt', sha256 }, { op: 'add', path: p, sha256 }]), 400, 'operations.1.path');
      assert.match(body.error, /is not allowed/, JSON.stringify(p));
    }
    assert.deepEqual(await state(), before);
  });

  it('refuses two names that differ only in case, or a file where another path needs a folder', async () => {
    const before = await state();
    await problem(await commit([{ op: 'add', path: 'Model.bin', sha256 }, { op: 'add', path: 'model.bin', sha256 }]), 409, 'operations');
    await problem(await commit([{ op: 'add', path: 'WEIGHTS/model.bin', sha256 }]), 409, 'operations');
    await problem(await commit([{ op: 'add', path: 'data', sha256 }, { op: 'add', path: 'data/part.csv', sha256 }]), 409, 'operations');
    await problem(await commit([{ op: 'add', path: 'weights/model.bin/inner.txt', sha256 }]), 409, 'operations');
    await problem(await commit([{ op: 'add', path: 'Weights', sha256 }]), 409, 'operations');
    assert.deepEqual(await state(), before);
  });

  it('refuses a commit that names a blob nobody uploaded, or no valid sha256 at all', async () => {
    const before = await state();
    const unknown = await problem(await commit([{ op: 'add', path: 'a.txt', sha256: 'f'.repeat(64) }]), 400, 'operations.0.sha256');
    assert.match(unknown.error, /Upload the file first/);
    // A blob that exists, but was uploaded to another repository, is refused the same way.
    const foreign = await problem(await commit([{ op: 'add', path: 'a.txt', sha256: otherSha }]), 400, 'operations.0.sha256');
    assert.equal(foreign.error.replace(otherSha, 'X'), unknown.error.replace('f'.repeat(64), 'X'));
    await problem(await commit([{ op: 'add', path: 'a.txt', sha256: 'F'.repeat(64) }]), 400, 'operations.0.sha256');
    await problem(await commit([{ op: 'add', path: 'a.txt', sha256: 'abc' }]), 400, 'operations.0.sha256');
    await problem(await commit([{ op: 'add', path: 'a.txt' }]), 400, 'operations.0.sha256');
    await problem(await commit([{ op: 'rename', path: 'a.txt' }]), 400, 'operations.0.op');
    await problem(await commit([{ op: 'delete', path: 'not-there.txt' }]), 404, 'operations.0.path');
    await problem(await commit([]), 400, 'operations');
    await problem(await commit('add everything'), 400, 'operations');
    await problem(await commit([{ op: 'add', path: 'a.txt', sha256 }], { message: '   ' }), 400, 'message');
    await problem(await commit([{ op: 'add', path: 'a.txt', sha256 }], { parentCommit: 'abc' }), 400, 'parentCommit');
    await problem(await commit([{ op: 'add', path: 'a.txt', sha256 }], { parentCommit: '0'.repeat(40) }), 409, 'parentCommit');
    assert.deepEqual(await state(), before);
  });

  it('refuses malformed JSON and non-object bodies with a 400 naming the body', async () => {
    const before = await state();
    for (const url of ['/api/repos', `/api/models/${REPO}/commit/main`, `/api/models/${REPO}/tags`, `/api/models/${REPO}/paths-info/main`, `/api/models/${REPO}/user-access-request/grant`]) {
      for (const body of ['{"message": ', '{bad json}', '']) {
        await problem(await server.api('POST', url, { token, body, headers: { 'Content-Type': 'application/json' } }), 400, 'body');
      }
      for (const json of [null, [], 'text', 42]) {
        const res = await server.api('POST', url, { token, json });
        assert.equal(res.status, 400, `${url} ${JSON.stringify(json)}: ${await res.clone().text()}`);
        assert.ok(((await res.json()) as Problem).field, url);
      }
    }
    await problem(await server.api('POST', `/api/models/${REPO}/commit/main`, { token, body: 'message=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415);
    assert.deepEqual(await state(), before);
  });

  it('refuses invalid repository names and settings on create, naming the field', async () => {
    const names = ['alice', 'alice/', '/x', 'alice/x/y', 'alice/-x', 'alice/x-', 'alice/.x', 'alice/a..b', 'alice/a--b', 'alice/sp ace', 'alice/ü', `alice/${'n'.repeat(97)}`, 'alice/a\u0000b'];
    for (const repo of names) await problem(await server.api('POST', '/api/repos', { token, json: { repo } }), 400, 'repo');
    await problem(await server.api('POST', '/api/repos', { token, json: { repo: 42 } }), 400, 'repo');
    await problem(await server.api('POST', '/api/repos', { token, json: {} }), 400, 'repo');
    await problem(await server.api('POST', '/api/repos', { token, json: { repo: 'alice/ok', type: 'space' } }), 400, 'type');
    await problem(await server.api('POST', '/api/repos', { token, json: { repo: 'alice/ok', accessLevel: 'secret' } }), 400, 'accessLevel');
    await problem(await server.api('POST', '/api/repos', { token, json: { repo: 'alice/ok', private: 'yes' } }), 400, 'private');
    await problem(await server.api('POST', '/api/repos', { token, json: { repo: 'alice/STRICT-LM' } }), 409, 'repo');
    await problem(await server.api('POST', '/api/repos', { token, json: { repo: 'bob/x' } }), 403, 'repo');
    const list = (await (await server.api('GET', '/api/models', { token })).json()) as { id: string }[];
    assert.deepEqual(list.map((r) => r.id).sort(), ['alice/other-lm', REPO]);
  });

  it('refuses invalid branch and tag names and unknown revisions, and moves nothing', async () => {
    const before = await state();
    // (A bare `..` never reaches the server: URL parsing removes dot segments.)
    for (const branch of ['a..b', '%25', 'x%00y', 'feature%2F..%2Fmain', '-', '-rf', 'HEAD', '0123456789abcdef0123456789abcdef01234567', 'a%2F%2Fb', 'ends-with.']) {
      const res = await server.api('POST', `/api/models/${REPO}/commit/${branch}`, { token, json: { message: 'm', operations: [{ op: 'add', path: 'a.txt', sha256 }] } });
      await problem(res, 400, 'branch');
    }
    for (const tag of ['../v1', 'HEAD', '-v1', 'v1/', head]) {
      await problem(await server.api('POST', `/api/models/${REPO}/tags`, { token, json: { tag, revision: 'main' } }), 400, 'tag');
    }
    await problem(await server.api('POST', `/api/models/${REPO}/tags`, { token, json: { tag: 'v1', revision: 'no-such-branch' } }), 404, 'revision');
    await problem(await server.api('POST', `/api/models/${REPO}/tags`, { token, json: { tag: 'v1', revision: 'f'.repeat(40) } }), 404, 'revision');
    for (const url of [`/${REPO}/resolve/nope/README.md`, `/${REPO}/resolve/${'0'.repeat(40)}/README.md`, `/api/models/${REPO}/revision/nope`, `/api/models/${REPO}/tree/nope`]) {
      const res = await server.api('GET', url);
      const body = await problem(res, 404);
      assert.equal(res.headers.get('x-error-code'), 'RevisionNotFound', url);
      assert.equal(body.code, 'revision_not_found');
    }
    assert.deepEqual(await state(), before);
    assert.equal((before.refs as { branches: { targetCommit: string }[] }).branches[0]!.targetCommit, head);
  });

  it('answers malformed percent-encoding in a URL with a 4xx', async () => {
    for (const url of [`/${REPO}/resolve/main/bad%ZZname.txt`, `/${REPO}/resolve/main/%E0%A4%A.txt`, `/api/models/${REPO}/tree/main/%ZZ`, `/api/models/${REPO}/revision/%E0%A4%A`]) {
      const res = await server.api('GET', url);
      assert.ok(res.status >= 400 && res.status < 500, `${url}: ${res.status}`);
    }
  });

  it('answers a malformed byte range with a 416 that says how to write one, and ignores other units', async () => {
    const url = `/${REPO}/resolve/main/README.md`;
    for (const range of ['bytes=abc', 'bytes=3-1', 'bytes=--1', 'bytes', '=0-1', 'bytes=0x10-']) {
      const res = await server.api('GET', url, { headers: { Range: range } });
      assert.equal(res.status, 416, range);
      assert.equal(res.headers.get('content-range'), 'bytes */5', range);
      assert.match(((await res.json()) as { error: string }).error, /Send one range as bytes=START-END/, range);
    }
    for (const range of ['items=0-1', 'bytes=0-1,3-4']) {
      const res = await server.api('GET', url, { headers: { Range: range } });
      assert.equal(res.status, 200, range);
      assert.equal(await res.text(), '# ok\n', range);
    }
    for (const range of ['bytes=99999999999999999999-', 'bytes=5-', 'bytes=-0']) {
      const res = await server.api('GET', url, { headers: { Range: range } });
      assert.equal(res.status, 416, range);
      assert.equal(res.headers.get('content-range'), 'bytes */5');
    }
  });

  it('refuses bad tokens before reading an upload, and stores no blob', async () => {
    const before = await state();
    for (const auth of ['Bearer hf_forged000000000000000000000000000000000', 'Bearer', 'Token abc', `Bearer ${'hf_'.padEnd(500, 'x')}`]) {
      const res = await server.api('PUT', `/api/models/${REPO}/upload`, { body: Buffer.from('sneaky bytes'), headers: { Authorization: auth } });
      const body = await problem(res, 401);
      assert.equal(body.error, 'Invalid credentials in Authorization header');
    }
    const anonymous = await server.api('PUT', `/api/models/${REPO}/upload`, { body: Buffer.from('sneaky bytes') });
    assert.equal(anonymous.status, 401);
    assert.deepEqual(await state(), before);
  });
});
