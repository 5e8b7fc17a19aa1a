import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { datasetInfo, downloadFile, fileDownloadInfo, listFiles, pathsInfo, snapshotDownload } from '@huggingface/hub';
import { gitBlobSha1 } from '../../lib/crypto.ts';
import { generatedBytes } from '../../../test/support/generated-file.ts';
import { caught, tempDir, xetCheckingFetch } from '../../../test/support/hub-client.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const NAME = 'acme/corpus';
const REPO = { type: 'dataset' as const, name: NAME };
const FILES: Record<string, string | Buffer> = {
  'README.md': '---\nlicense: cc-by-4.0\ntags: [text]\n---\n# Corpus\n',
  'data/train split/part 0001.parquet': generatedBytes('corpus-train', 50_000),
  'data/validation/données é.jsonl': '{"text": "bonjour"}\n',
  'data/中文/样本.txt': '你好\n',
  'data/empty.csv': '',
};
const bytesOf = (content: string | Buffer) => (typeof content === 'string' ? Buffer.from(content) : content);
const sha256 = (content: string | Buffer) => createHash('sha256').update(bytesOf(content)).digest('hex');

describe('the @huggingface/hub client reading a dataset from Airlock', () => {
  let server: TestServer;
  let token: string;
  let firstCommit: string;
  let secondCommit: string;
  const checked = xetCheckingFetch();
  const hub = () => ({ hubUrl: server.url, fetch: checked.fetch });

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    await server.createOrg('acme', 'alice');
    token = await server.createToken('alice');
    await createRepo(server, token, NAME, { type: 'dataset' });
    firstCommit = (await uploadFiles(server, token, NAME, FILES, { type: 'dataset' })).commitOid;
    const tag = await server.api('POST', `/api/datasets/${NAME}/tags`, { token, json: { tag: 'release-1', revision: firstCommit } });
    assert.equal(tag.status, 201, await tag.text());
    secondCommit = (await uploadFiles(server, token, NAME, { 'data/validation/données é.jsonl': '{"text": "salut"}\n' }, { type: 'dataset' })).commitOid;
  });
  after(() => server.close());

  it('reads dataset info at HEAD, at a tag and at a commit id', async () => {
    const head = await datasetInfo({ name: NAME, ...hub(), additionalFields: ['sha', 'cardData'] });
    assert.equal(head.name, NAME);
    assert.equal(head.sha, secondCommit);
    assert.equal(head.gated, false);
    assert.deepEqual(head.cardData, { license: 'cc-by-4.0', tags: ['text'] });
    assert.equal((await datasetInfo({ name: NAME, ...hub(), revision: 'release-1', additionalFields: ['sha'] })).sha, firstCommit);
    assert.equal((await datasetInfo({ name: NAME, ...hub(), revision: firstCommit, additionalFields: ['sha'] })).sha, firstCommit);
  });

  it('does not find the dataset as a model, or a model of the same name as a dataset', async () => {
    const res = await server.api('GET', `/api/models/${NAME}`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-error-code'), 'RepoNotFound');
    const resolve = await server.api('GET', `/${NAME}/resolve/main/README.md`);
    assert.equal(resolve.status, 404);
  });

  it('lists nested folders recursively, with LFS info for the parquet file', async () => {
    const entries = [];
    for await (const entry of listFiles({ repo: REPO, ...hub(), recursive: true })) entries.push(entry);
    assert.deepEqual(entries.map((e) => `${e.type}:${e.path}`).sort(), [
      'directory:data', 'directory:data/train split', 'directory:data/validation', 'directory:data/中文',
      ...Object.keys(FILES).map((p) => `file:${p}`),
    ].sort());
    const parquet = entries.find((e) => e.path === 'data/train split/part 0001.parquet')!;
    assert.equal(parquet.lfs?.oid, sha256(FILES['data/train split/part 0001.parquet']!));
    assert.equal(parquet.size, 50_000);
  });

  it('lists the immediate children of a folder whose name has a space', async () => {
    const entries = [];
    for await (const entry of listFiles({ repo: REPO, ...hub(), path: 'data/train split' })) entries.push(entry.path);
    assert.deepEqual(entries, ['data/train split/part 0001.parquet']);
    const top = [];
    for await (const entry of listFiles({ repo: REPO, ...hub(), path: 'data' })) top.push(`${entry.type}:${entry.path}`);
    assert.deepEqual(top.sort(), ['directory:data/train split', 'directory:data/validation', 'directory:data/中文', 'file:data/empty.csv'].sort());
  });

  it('describes paths with paths-info, naming each blob as the resolve ETag does', async () => {
    const infos = await pathsInfo({ repo: REPO, ...hub(), paths: ['data/validation/données é.jsonl', 'data/train split/part 0001.parquet', 'data', 'nope.txt'], expand: true });
    const byPath = new Map(infos.map((i) => [i.path, i]));
    assert.deepEqual([...byPath.keys()].sort(), ['data', 'data/train split/part 0001.parquet', 'data/validation/données é.jsonl']);
    assert.equal(byPath.get('data')!.type, 'directory');
    assert.equal(byPath.get('data/validation/données é.jsonl')!.oid, gitBlobSha1('{"text": "salut"}\n'));
    assert.equal(byPath.get('data/validation/données é.jsonl')!.lastCommit?.id, secondCommit);
    const parquet = byPath.get('data/train split/part 0001.parquet')!;
    const info = await fileDownloadInfo({ repo: REPO, path: parquet.path, ...hub() });
    assert.equal(info!.etag.replace(/"/g, ''), parquet.lfs!.oid);
  });

  it('downloads files with spaces and non-ASCII names, and an empty file', async () => {
    for (const name of ['data/中文/样本.txt', 'data/empty.csv']) {
      const blob = await downloadFile({ repo: REPO, path: name, ...hub() });
      assert.deepEqual(Buffer.from(await blob!.arrayBuffer()), bytesOf(FILES[name]!), name);
    }
    const changed = await downloadFile({ repo: REPO, path: 'data/validation/données é.jsonl', ...hub() });
    assert.equal(await changed!.text(), '{"text": "salut"}\n');
  });

  it('downloads a range of a dataset file through blob.slice', async () => {
    const blob = await downloadFile({ repo: REPO, path: 'data/train split/part 0001.parquet', ...hub() });
    assert.deepEqual(Buffer.from(await blob!.slice(49_000, 49_500).arrayBuffer()), generatedBytes('corpus-train', 500, 49_000));
  });

  it('downloads older content by tag and by commit id', async () => {
    for (const revision of ['release-1', firstCommit]) {
      const blob = await downloadFile({ repo: REPO, path: 'data/validation/données é.jsonl', revision, ...hub() });
      assert.equal(await blob!.text(), '{"text": "bonjour"}\n', revision);
    }
  });

  it('reports an unknown or encoded pull-request revision as RevisionNotFound', async () => {
    const error = await caught(() => datasetInfo({ name: NAME, ...hub(), revision: 'refs/pr/1' }));
    assert.equal(error.statusCode, 404);
    const files = await caught(async () => {
      for await (const entry of listFiles({ repo: REPO, ...hub(), revision: 'no-such-branch' })) assert.fail(`listed ${entry.path}`);
    });
    assert.equal(files.statusCode, 404);
    const res = await server.api('HEAD', `/datasets/${NAME}/resolve/refs%2Fpr%2F1/data/empty.csv`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-error-code'), 'RevisionNotFound');
  });

  it('downloads a dataset snapshot into a cache dir, every file byte for byte', async () => {
    const cache = await tempDir('airlock-hf-cache-');
    try {
      const folder = await snapshotDownload({ repo: REPO, ...hub(), cacheDir: cache.dir, accessToken: token });
      assert.equal(folder, path.join(cache.dir, 'datasets--acme--corpus', 'snapshots', secondCommit));
      const expected = { ...FILES, 'data/validation/données é.jsonl': '{"text": "salut"}\n' };
      for (const [name, content] of Object.entries(expected)) assert.deepEqual(await fs.readFile(path.join(folder, name)), bytesOf(content), name);
    } finally {
      await cache.remove();
    }
  });

  it('never answered the client with a Xet header or content type', () => {
    assert.ok(checked.checked() > 20, `only ${checked.checked()} responses were checked`);
  });
});
