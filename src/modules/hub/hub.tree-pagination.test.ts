import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listFiles } from '@huggingface/hub';
import { xetCheckingFetch } from '../../../test/support/hub-client.ts';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';

const FILE_COUNT = 2345;
/** 2345 files over 10 folders, plus `flat/` with 1100 direct children, so both listings span pages. */
const filePaths = [
  ...Array.from({ length: FILE_COUNT - 1100 }, (_, i) => `shards/group-${String(i % 10).padStart(2, '0')}/file ${String(i).padStart(5, '0')}.txt`),
  ...Array.from({ length: 1100 }, (_, i) => `flat/item-${String(i).padStart(5, '0')}.json`),
];

describe('tree listings longer than one page', () => {
  let server: TestServer;
  let token: string;
  let commit: string;
  const checked = xetCheckingFetch();

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    token = await server.createToken('alice');
    await createRepo(server, token, 'alice/many-files', { type: 'dataset' });
    const upload = await server.api('PUT', '/api/datasets/alice/many-files/upload', { token, body: Buffer.from('same bytes in every file\n') });
    const { sha256 } = (await upload.json()) as { sha256: string };
    const res = await server.api('POST', '/api/datasets/alice/many-files/commit/main', { token, json: { message: 'many files', operations: filePaths.map((p) => ({ op: 'add', path: p, sha256 })) } });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    commit = (JSON.parse(text) as { commitOid: string }).commitOid;
  });
  after(() => server.close());

  it('pages with an absolute Link header that keeps the query and names the next cursor', async () => {
    const first = await server.api('GET', '/api/datasets/alice/many-files/tree/main?recursive=true&expand=false');
    assert.equal(first.status, 200);
    const page = (await first.json()) as unknown[];
    assert.equal(page.length, 1000);
    const link = first.headers.get('link');
    const match = /^<(https?:\/\/[^>]+)>; rel="next"$/.exec(link ?? '');
    assert.ok(match, `expected an absolute next link, got ${link}`);
    const next = new URL(match[1]!);
    assert.equal(next.origin, server.url);
    assert.equal(next.pathname, '/api/datasets/alice/many-files/tree/main');
    assert.equal(next.searchParams.get('recursive'), 'true');
    const second = await fetch(next);
    assert.equal(((await second.json()) as unknown[]).length, 1000);
  });

  it('gives every file and folder exactly once through listFiles, recursively', async () => {
    const seen = [];
    for await (const entry of listFiles({ repo: { type: 'dataset', name: 'alice/many-files' }, hubUrl: server.url, fetch: checked.fetch, recursive: true })) seen.push(`${entry.type}:${entry.path}`);
    const folders = ['flat', 'shards', ...Array.from({ length: 10 }, (_, i) => `shards/group-${String(i).padStart(2, '0')}`)];
    assert.equal(seen.length, FILE_COUNT + folders.length);
    assert.deepEqual(new Set(seen), new Set([...filePaths.map((p) => `file:${p}`), ...folders.map((p) => `directory:${p}`)]));
  });

  it('pages the immediate children of one large folder at a commit id', async () => {
    const seen = [];
    for await (const entry of listFiles({ repo: { type: 'dataset', name: 'alice/many-files' }, hubUrl: server.url, fetch: checked.fetch, path: 'flat', revision: commit })) seen.push(entry.path);
    assert.equal(seen.length, 1100);
    assert.deepEqual(seen, [...seen].sort());
    assert.equal(new Set(seen).size, 1100);
    assert.ok(checked.checked() >= 5, 'the listings took several pages');
  });

  it('sends no Link header on the last page, and an empty page past the end', async () => {
    const last = await server.api('GET', '/api/datasets/alice/many-files/tree/main/flat?cursor=1000');
    assert.equal(((await last.json()) as unknown[]).length, 100);
    assert.equal(last.headers.get('link'), null);
    const beyond = await server.api('GET', '/api/datasets/alice/many-files/tree/main/flat?cursor=5000');
    assert.deepEqual(await beyond.json(), []);
  });
});
