import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadFile, fileDownloadInfo, listFiles, modelInfo, snapshotDownload, whoAmI } from '@huggingface/hub';
import { gitBlobSha1 } from '../../lib/crypto.ts';
import { generatedBytes } from '../../../test/support/generated-file.ts';
import { caught, tempDir, xetCheckingFetch } from '../../../test/support/hub-client.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const REPO = 'alice/tiny-lm';
const FILES: Record<string, string | Buffer> = {
  'README.md': '---\nlicense: mit\npipeline_tag: text-generation\ntags: [airlock, test]\n---\n# Tiny LM\n',
  'config.json': '{"hidden_size": 8}',
  'docs/guide with spaces.md': '# A guide\n',
  'docs/ünïcödé/名前 ファイル.txt': 'こんにちは\n',
  'empty.txt': '',
  'weights/model.safetensors': generatedBytes('tiny-lm-weights', 300_000),
};
const bytesOf = (content: string | Buffer) => (typeof content === 'string' ? Buffer.from(content) : content);
const sha256 = (content: string | Buffer) => createHash('sha256').update(bytesOf(content)).digest('hex');
const unquote = (etag: string) => etag.replace(/^W\//, '').replace(/"/g, '');

describe('the @huggingface/hub client reading a model from Airlock', () => {
  let server: TestServer;
  let token: string;
  let firstCommit: string;
  let secondCommit: string;
  const checked = xetCheckingFetch();
  const hub = () => ({ hubUrl: server.url, fetch: checked.fetch });

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    await server.createOrg('lab', 'alice');
    token = await server.createToken('alice');
    await createRepo(server, token, REPO);
    firstCommit = (await uploadFiles(server, token, REPO, FILES, { message: 'First weights' })).commitOid;
    const tag = await server.api('POST', `/api/models/${REPO}/tags`, { token, json: { tag: 'v1', revision: firstCommit } });
    assert.equal(tag.status, 201, await tag.text());
    secondCommit = (await uploadFiles(server, token, REPO, { 'config.json': '{"hidden_size": 16}' }, { message: 'Wider' })).commitOid;
  });
  after(() => server.close());

  it('reads model info at HEAD with the commit sha, the card metadata and every file', async () => {
    const info = await modelInfo({ name: REPO, ...hub(), additionalFields: ['sha', 'filePaths', 'cardData', 'tags'] });
    assert.equal(info.name, REPO);
    assert.equal(info.sha, secondCommit);
    assert.equal(info.private, false);
    assert.equal(info.gated, false);
    assert.equal(info.task, 'text-generation');
    assert.deepEqual(info.tags, ['airlock', 'test']);
    assert.deepEqual([...info.filePaths].sort(), Object.keys(FILES).sort());
  });

  it('reads model info at a tag and at a 40-hex commit id', async () => {
    const atTag = await modelInfo({ name: REPO, ...hub(), revision: 'v1', additionalFields: ['sha'] });
    assert.equal(atTag.sha, firstCommit);
    const atCommit = await modelInfo({ name: REPO, ...hub(), revision: firstCommit, additionalFields: ['sha'] });
    assert.equal(atCommit.sha, firstCommit);
  });

  it('lists every file and folder recursively, with sizes, git ids and LFS info', async () => {
    const entries = [];
    for await (const entry of listFiles({ repo: REPO, ...hub(), recursive: true })) entries.push(entry);
    assert.deepEqual(entries.map((e) => `${e.type}:${e.path}`).sort(), [
      'directory:docs', 'directory:docs/ünïcödé', 'directory:weights',
      ...Object.keys(FILES).map((p) => `file:${p}`),
    ].sort());
    const config = entries.find((e) => e.path === 'config.json')!;
    assert.equal(config.size, 19);
    assert.equal(config.oid, gitBlobSha1('{"hidden_size": 16}'));
    assert.equal(config.lfs, undefined);
    const weights = entries.find((e) => e.path === 'weights/model.safetensors')!;
    assert.deepEqual(weights.lfs && { oid: weights.lfs.oid, size: weights.lfs.size }, { oid: sha256(FILES['weights/model.safetensors']!), size: 300_000 });
    assert.equal(entries.find((e) => e.path === 'empty.txt')!.size, 0);
  });

  it('lists one folder level, and a nested folder with a non-ASCII name', async () => {
    const docs = [];
    for await (const entry of listFiles({ repo: REPO, ...hub(), path: 'docs' })) docs.push(`${entry.type}:${entry.path}`);
    assert.deepEqual(docs.sort(), ['directory:docs/ünïcödé', 'file:docs/guide with spaces.md']);
    const nested = [];
    for await (const entry of listFiles({ repo: REPO, ...hub(), path: 'docs/ünïcödé' })) nested.push(entry.path);
    assert.deepEqual(nested, ['docs/ünïcödé/名前 ファイル.txt']);
  });

  it('lists the tree of an older revision by its tag', async () => {
    const entries = [];
    for await (const entry of listFiles({ repo: REPO, ...hub(), revision: 'v1', recursive: true })) entries.push(entry);
    assert.equal(entries.find((e) => e.path === 'config.json')!.oid, gitBlobSha1('{"hidden_size": 8}'));
  });

  it('downloads files whose names contain spaces and non-ASCII characters', async () => {
    for (const name of ['docs/guide with spaces.md', 'docs/ünïcödé/名前 ファイル.txt']) {
      const blob = await downloadFile({ repo: REPO, path: name, ...hub() });
      assert.equal(await blob!.text(), FILES[name]);
    }
  });

  it('downloads an empty file as zero bytes', async () => {
    const info = await fileDownloadInfo({ repo: REPO, path: 'empty.txt', ...hub() });
    assert.equal(info!.size, 0);
    assert.equal(unquote(info!.etag), gitBlobSha1(''));
    const blob = await downloadFile({ repo: REPO, path: 'empty.txt', ...hub() });
    assert.equal(blob!.size, 0);
    assert.equal((await blob!.arrayBuffer()).byteLength, 0);
  });

  it('reports size and a content-addressed ETag through fileDownloadInfo, and null for a missing file', async () => {
    const weights = await fileDownloadInfo({ repo: REPO, path: 'weights/model.safetensors', ...hub() });
    assert.equal(weights!.size, 300_000);
    assert.equal(unquote(weights!.etag), sha256(FILES['weights/model.safetensors']!));
    const config = await fileDownloadInfo({ repo: REPO, path: 'config.json', ...hub() });
    assert.equal(unquote(config!.etag), gitBlobSha1('{"hidden_size": 16}'));
    assert.equal(await fileDownloadInfo({ repo: REPO, path: 'no/such/file.bin', ...hub() }), null);
  });

  it('downloads byte ranges of a file through blob.slice', async () => {
    const blob = await downloadFile({ repo: REPO, path: 'weights/model.safetensors', ...hub() });
    assert.equal(blob!.size, 300_000);
    const middle = Buffer.from(await blob!.slice(123_456, 123_556).arrayBuffer());
    assert.deepEqual(middle, generatedBytes('tiny-lm-weights', 100, 123_456));
    const tail = Buffer.from(await blob!.slice(299_990).arrayBuffer());
    assert.deepEqual(tail, generatedBytes('tiny-lm-weights', 10, 299_990));
  });

  it('downloads a file at a tag and at a commit id, not the branch head', async () => {
    for (const revision of ['v1', firstCommit]) {
      const blob = await downloadFile({ repo: REPO, path: 'config.json', revision, ...hub() });
      assert.equal(await blob!.text(), '{"hidden_size": 8}');
    }
    const head = await downloadFile({ repo: REPO, path: 'config.json', revision: 'HEAD', ...hub() });
    assert.equal(await head!.text(), '{"hidden_size": 16}');
  });

  it('reports an encoded pull-request revision as RevisionNotFound, not a crash', async () => {
    const error = await caught(() => modelInfo({ name: REPO, ...hub(), revision: 'refs/pr/1' }));
    assert.equal(error.statusCode, 404);
    assert.match(error.message, /Revision not found: refs\/pr\/1/);
    const download = await caught(() => downloadFile({ repo: REPO, path: 'config.json', revision: 'refs/pr/1', ...hub() }));
    assert.equal(download.statusCode, 404);
    for (const url of [`/${REPO}/resolve/refs%2Fpr%2F1/config.json`, `/api/models/${REPO}/revision/refs%2Fpr%2F1`, `/api/models/${REPO}/tree/refs%2Fpr%2F1`]) {
      const res = await server.api('GET', url);
      assert.equal(res.status, 404, url);
      assert.equal(res.headers.get('x-error-code'), 'RevisionNotFound', url);
    }
  });

  it('downloads a snapshot into a cache dir, every file byte for byte', async () => {
    const cache = await tempDir('airlock-hf-cache-');
    try {
      const folder = await snapshotDownload({ repo: REPO, ...hub(), cacheDir: cache.dir });
      assert.equal(path.basename(folder), secondCommit);
      assert.equal(await fs.readFile(path.join(cache.dir, 'models--alice--tiny-lm', 'refs', 'main'), 'utf8'), secondCommit);
      const expected = { ...FILES, 'config.json': '{"hidden_size": 16}' };
      for (const [name, content] of Object.entries(expected)) {
        assert.deepEqual(await fs.readFile(path.join(folder, name)), bytesOf(content), name);
      }
    } finally {
      await cache.remove();
    }
  });

  it('downloads a snapshot of an older revision given by tag', async () => {
    const cache = await tempDir('airlock-hf-cache-');
    try {
      const folder = await snapshotDownload({ repo: REPO, ...hub(), cacheDir: cache.dir, revision: 'v1' });
      assert.equal(path.basename(folder), firstCommit);
      assert.equal(await fs.readFile(path.join(folder, 'config.json'), 'utf8'), '{"hidden_size": 8}');
    } finally {
      await cache.remove();
    }
  });

  it('answers whoami for a token with the user, their organisations and the token role', async () => {
    const me = await whoAmI({ ...hub(), accessToken: token });
    assert.equal(me.name, 'alice');
    assert.equal(me.type, 'user');
    assert.equal(me.auth.type, 'access_token');
    assert.deepEqual(me.type === 'user' ? me.orgs.map((o) => o.name) : null, ['lab']);
    assert.equal(me.auth.accessToken?.role, 'write');
    assert.ok(me.auth.accessToken?.createdAt instanceof Date);
  });

  it('never answered the client with a Xet header or content type', () => {
    assert.ok(checked.checked() > 20, `only ${checked.checked()} responses were checked`);
  });
});
