import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../db/client.ts';
import { blobs } from './blobs.tables.ts';
import { generatedChunks, generatedSha256, hashStream, uploadGenerated } from '../../../test/support/generated-file.ts';
import { createUserWithToken, freePort, startServerProcess, type ServerProcess } from '../../../test/support/server-process.ts';

const SIZE = 128 * 1024 * 1024;
const SENT_BEFORE_KILL = 24 * 1024 * 1024;
const SEED = 'killed-upload';

async function listBlobFiles(dataDir: string) {
  const root = path.join(dataDir, 'blobs', 'sha256');
  const found: string[] = [];
  for (const entry of await fs.readdir(root, { recursive: true, withFileTypes: true })) if (entry.isFile()) found.push(entry.name);
  return found.sort();
}

const tmpFiles = async (dataDir: string) => {
  const dir = path.join(dataDir, 'blobs', 'tmp');
  return Promise.all((await fs.readdir(dir)).map(async (name) => ({ name, size: (await fs.stat(path.join(dir, name))).size })));
};

const blobRows = async (dataDir: string) => {
  const database = await openDatabase({ dataDir });
  try {
    return (await database.db.select({ sha256: blobs.sha256 }).from(blobs)).map((r) => r.sha256).sort();
  } finally {
    await database.close();
  }
};

describe('an upload cut off by killing the server', () => {
  let dataDir: string;
  let port: number;
  let server: ServerProcess;
  let token: string;
  let baseline: { sha: string; tree: unknown; blobFiles: string[] };
  const api = (method: string, url: string, json?: unknown) =>
    fetch(`${server.url}${url}`, { method, headers: { Authorization: `Bearer ${token}`, ...(json ? { 'Content-Type': 'application/json' } : {}) }, body: json ? JSON.stringify(json) : undefined });
  const repoState = async () => ({
    sha: ((await (await api('GET', '/api/models/alice/crash-lm')).json()) as { sha: string }).sha,
    tree: await (await api('GET', '/api/models/alice/crash-lm/tree/main?recursive=true')).json(),
  });

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-crash-'));
    port = await freePort();
    server = await startServerProcess(dataDir, port);
    token = await createUserWithToken(dataDir, 'alice');
    assert.equal((await api('POST', '/api/repos', { repo: 'alice/crash-lm' })).status, 201);
    const small = await fetch(`${server.url}/api/models/alice/crash-lm/upload`, { method: 'PUT', headers: { Authorization: `Bearer ${token}` }, body: 'config' });
    const { sha256 } = (await small.json()) as { sha256: string };
    assert.equal((await api('POST', '/api/models/alice/crash-lm/commit/main', { message: 'config', operations: [{ op: 'add', path: 'config.json', sha256 }] })).status, 201);
    baseline = { ...(await repoState()), blobFiles: await listBlobFiles(dataDir) };
  });
  after(async () => {
    await server?.kill('SIGTERM');
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('leaves only a temporary file when the server is SIGKILLed in the middle of a streamed upload', async () => {
    const request = http.request(`${server.url}/api/models/alice/crash-lm/upload`, { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Length': String(SIZE) } });
    const outcome = new Promise<string>((resolve) => {
      request.on('response', (res) => resolve(`answered ${res.statusCode}`));
      request.on('error', (error) => resolve(`failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    });
    for (const chunk of generatedChunks(SEED, SENT_BEFORE_KILL)) {
      if (!request.write(chunk)) await new Promise((resolve) => request.once('drain', resolve));
    }
    // Hold the connection open until the server has written a good part of the body to disk.
    for (let waited = 0; ; waited += 50) {
      const part = (await tmpFiles(dataDir)).find((f) => f.name.endsWith('.part'));
      if (part && part.size >= 16 * 1024 * 1024) break;
      assert.ok(waited < 30_000, `no partial upload appeared: ${JSON.stringify(await tmpFiles(dataDir))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await server.kill('SIGKILL');
    assert.match(await outcome, /^failed/);
    assert.equal(server.child.signalCode, 'SIGKILL');
    const leftovers = await tmpFiles(dataDir);
    assert.equal(leftovers.length, 1, 'the killed upload left its temporary file behind');
    assert.ok(leftovers[0]!.size < SIZE);
    assert.deepEqual(await listBlobFiles(dataDir), baseline.blobFiles, 'no blob appeared under a sha256 name');
  });

  it('has no blob row for the partial upload in the database', async () => {
    const rows = await blobRows(dataDir);
    assert.deepEqual(rows, baseline.blobFiles);
  });

  it('restarts on the same data dir despite the stale pid lock, and cleans the temporary files', async () => {
    assert.ok(await fs.stat(path.join(dataDir, 'airlock.pid')).then(() => true, () => false), 'the dead server left its lock file');
    server = await startServerProcess(dataDir, port);
    assert.deepEqual(await tmpFiles(dataDir), []);
    assert.deepEqual(await listBlobFiles(dataDir), baseline.blobFiles);
  });

  it('shows no new revision or file after the restart', async () => {
    assert.deepEqual(await repoState(), { sha: baseline.sha, tree: baseline.tree });
  });

  it('accepts the same file again, uploaded and committed in full, and serves it intact', async () => {
    const upload = await uploadGenerated(server.url, token, 'models/alice/crash-lm', SEED, SIZE);
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    assert.equal(upload.body.sha256, generatedSha256(SEED, SIZE));
    const commit = await api('POST', '/api/models/alice/crash-lm/commit/main', { message: 'weights', operations: [{ op: 'add', path: 'model.safetensors', sha256: upload.body.sha256 }] });
    assert.equal(commit.status, 201);
    const { commitOid } = (await commit.json()) as { commitOid: string };
    assert.notEqual(commitOid, baseline.sha);
    const download = await fetch(`${server.url}/alice/crash-lm/resolve/main/model.safetensors`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(download.headers.get('x-repo-commit'), commitOid);
    assert.deepEqual(await hashStream(download.body!), { sha256: upload.body.sha256, size: SIZE });
    assert.deepEqual(await listBlobFiles(dataDir), [...baseline.blobFiles, upload.body.sha256].sort());
  });
});
