import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadFile, fileDownloadInfo, listFiles, snapshotDownload } from '@huggingface/hub';
import { generatedChunks, generatedSha256, hashStream, uploadGenerated } from '../../../test/support/generated-file.ts';
import { tempDir, xetCheckingFetch } from '../../../test/support/hub-client.ts';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';

const SIZE = 200 * 1024 * 1024;
const SEED = 'airlock-200mb';
const MODEL_PATH = 'weights/model-00001-of-00001.safetensors';
const DATASET_PATH = 'data/train ü/shard 0.arrow';

async function* toAsync<T>(items: Iterable<T>) {
  yield* items;
}

describe('a 200 MB file through the @huggingface/hub client', () => {
  let server: TestServer;
  let token: string;
  let reader: string;
  const expectedSha256 = generatedSha256(SEED, SIZE);
  const checked = xetCheckingFetch();
  const hub = () => ({ hubUrl: server.url, fetch: checked.fetch });

  const commit = async (apiPrefix: string, repo: string, filePath: string, sha256: string) => {
    const res = await server.api('POST', `/api/${apiPrefix}/${repo}/commit/main`, { token, json: { message: `add ${filePath}`, operations: [{ op: 'add', path: filePath, sha256 }] } });
    assert.equal(res.status, 201, await res.text());
  };

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    await server.createUser('bob');
    token = await server.createToken('alice');
    reader = await server.createToken('bob', 'read');
    await createRepo(server, token, 'alice/big-lm', { accessLevel: 'reviewed' });
    await createRepo(server, token, 'alice/big-data', { type: 'dataset' });
    const grant = await server.api('POST', '/api/models/alice/big-lm/user-access-request/grant', { token, json: { user: 'bob' } });
    assert.equal(grant.status, 200, await grant.text());
  });
  after(() => server.close());

  it('uploads the file as a stream with a Content-Length and reports its sha256 and size', async () => {
    const upload = await uploadGenerated(server.url, token, 'models/alice/big-lm', SEED, SIZE);
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    assert.equal(upload.body.sha256, expectedSha256);
    assert.equal(upload.body.size, SIZE);
    await commit('models', 'alice/big-lm', MODEL_PATH, upload.body.sha256);
  });

  it('reports the size and the sha256 as ETag before downloading', async () => {
    const info = await fileDownloadInfo({ repo: 'alice/big-lm', path: MODEL_PATH, ...hub(), accessToken: reader });
    assert.equal(info!.size, SIZE);
    assert.equal(info!.etag.replace(/"/g, ''), expectedSha256);
    const entries = [];
    for await (const entry of listFiles({ repo: 'alice/big-lm', path: 'weights', ...hub(), accessToken: reader })) entries.push(entry);
    assert.deepEqual(entries.map((e) => ({ path: e.path, size: e.size, lfs: e.lfs?.oid })), [{ path: MODEL_PATH, size: SIZE, lfs: expectedSha256 }]);
  });

  it('downloads the whole file with a granted read token, matching the sha256 of what was uploaded', async () => {
    const blob = await downloadFile({ repo: 'alice/big-lm', path: MODEL_PATH, ...hub(), accessToken: reader });
    assert.equal(blob!.size, SIZE);
    const downloaded = await hashStream(blob!.stream());
    assert.deepEqual(downloaded, { sha256: expectedSha256, size: SIZE });
  });

  it('resumes from the middle of the file with a range that runs to its end', async () => {
    const blob = await downloadFile({ repo: 'alice/big-lm', path: MODEL_PATH, ...hub(), accessToken: reader });
    const start = SIZE - 3 * 1024 * 1024 - 7;
    const tail = await hashStream(blob!.slice(start).stream());
    assert.deepEqual(tail, await hashStream(toAsync(generatedChunks(SEED, SIZE - start, start))));
  });

  it('downloads the same bytes as a dataset snapshot into a cache dir', async () => {
    const upload = await uploadGenerated(server.url, token, 'datasets/alice/big-data', SEED, SIZE);
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    await commit('datasets', 'alice/big-data', DATASET_PATH, upload.body.sha256);
    const cache = await tempDir('airlock-hf-cache-');
    try {
      const folder = await snapshotDownload({ repo: { type: 'dataset', name: 'alice/big-data' }, ...hub(), cacheDir: cache.dir });
      const file = path.join(folder, DATASET_PATH);
      assert.equal((await fs.stat(file)).size, SIZE);
      assert.deepEqual(await hashStream(createReadStream(file)), { sha256: expectedSha256, size: SIZE });
    } finally {
      await cache.remove();
    }
  });

  it('never answered the client with a Xet header or content type', () => {
    assert.ok(checked.checked() >= 8, `only ${checked.checked()} responses were checked`);
  });
});
