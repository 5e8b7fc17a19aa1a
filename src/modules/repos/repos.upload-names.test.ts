import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';

/**
 * The upload cases of issue 7 not covered in repos.bad-input.test.ts: names that look like links
 * or smuggle traversal past a naive check, names equal after Unicode normalisation, and a commit
 * of 10,000 files. Each gets a clear answer: stored as the plain file it names, or refused by field.
 */
const REPO = 'alice/names-lm';
type Problem = { code: string; field?: string; error: string };

describe('awkward file names and very large commits', () => {
  let server: TestServer;
  let token: string;
  const blobs: Record<string, string> = {};

  const upload = async (content: string) => {
    const res = await server.api('PUT', `/api/models/${REPO}/upload`, { token, body: Buffer.from(content) });
    assert.equal(res.status, 201);
    blobs[content] = ((await res.json()) as { sha256: string }).sha256;
    return blobs[content]!;
  };
  const commit = (operations: unknown[]) => server.api('POST', `/api/models/${REPO}/commit/main`, { token, json: { message: 'names', operations } });
  const download = (path: string) => server.api('GET', `/${REPO}/resolve/main/${path.split('/').map(encodeURIComponent).join('/')}`, { token });

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    token = await server.createToken('alice');
    await createRepo(server, token, REPO);
  });
  after(() => server.close());

  it('refuses a link-like name whose target climbs out of the repository, naming the operation', async () => {
    const sha256 = await upload('a link');
    const res = await commit([{ op: 'add', path: 'link -> ../../etc/passwd', sha256 }]);
    const problem = (await res.json()) as Problem;
    assert.equal(res.status, 400);
    assert.equal(problem.field, 'operations.0.path');
    assert.match(problem.error, /"\.\." as a folder name/);
  });

  it('stores names that look like symbolic links or escapes as plain files, and serves back exactly their bytes', async () => {
    // Names a file system, a shell or a URL decoder might treat as a link or a way out; here they are only names.
    const names = ['weights -> model.bin', 'weights@', '%2e%2e/secret.txt', '..%2f..%2fetc%2fpasswd', '．．/fullwidth-dots.txt', '...', '..hidden', 'dir/..a', 'CON', 'aux.txt', 'x:y', '~/.ssh/id_rsa', '$HOME', 'a/.gitattributes'];
    const operations = [];
    for (const name of names) operations.push({ op: 'add', path: name, sha256: await upload(`content of ${name}`) });
    const res = await commit(operations);
    assert.equal(res.status, 201, await res.clone().text());
    for (const name of names) {
      const file = await download(name);
      assert.equal(file.status, 200, name);
      assert.equal(await file.text(), `content of ${name}`, name);
    }
    const tree = (await (await server.api('GET', `/api/models/${REPO}/tree/main?recursive=true`, { token })).json()) as { type: string; path: string }[];
    for (const name of names) assert.equal(tree.find((e) => e.path === name)?.type, 'file', name);
  });

  it('treats names equal after Unicode normalisation as one name: a second spelling in one commit is a conflict', async () => {
    const sha256 = await upload('accented');
    const res = await commit([{ op: 'add', path: 'caf\u00e9.txt', sha256 }, { op: 'add', path: 'cafe\u0301.txt', sha256: await upload('decomposed') }]);
    const problem = (await res.json()) as Problem;
    assert.equal(res.status, 409, JSON.stringify(problem));
    assert.equal(problem.code, 'duplicate_path');
    assert.equal(problem.field, 'operations.1.path');
    assert.match(problem.error, /NFC/);
    const twice = (await (await commit([{ op: 'add', path: 'same.txt', sha256 }, { op: 'add', path: 'same.txt', sha256 }])).json()) as Problem;
    assert.equal(twice.code, 'duplicate_path');
    // Stored in NFC, the decomposed spelling finds the file committed under the precomposed one.
    assert.equal((await commit([{ op: 'add', path: 'caf\u00e9.txt', sha256 }])).status, 201);
    assert.equal(await (await download('cafe\u0301.txt')).text(), 'accented');
  });

  it('commits 10,000 files at once, lists every one and serves any of them', async () => {
    const shas = [await upload('shard a'), await upload('shard b')];
    const operations = Array.from({ length: 10_000 }, (_, i) => ({ op: 'add', path: `many/${String(i).padStart(5, '0')}.txt`, sha256: shas[i % 2]! }));
    const started = Date.now();
    const res = await commit(operations);
    assert.equal(res.status, 201, await res.clone().text());
    assert.ok(Date.now() - started < 60_000, `the commit took ${Date.now() - started} ms`);
    let listed = 0;
    let url: string | null = `/api/models/${REPO}/tree/main/many`;
    while (url) {
      const page: Response = await server.api('GET', url, { token });
      listed += ((await page.json()) as unknown[]).length;
      const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
      url = next ? new URL(next).pathname + new URL(next).search : null;
    }
    assert.equal(listed, 10_000);
    assert.equal(await (await download('many/09999.txt')).text(), 'shard b');
  });

  it('refuses a commit of more than 100,000 operations, naming the field and the limit', async () => {
    const sha256 = blobs['shard a']!;
    const operations = Array.from({ length: 100_001 }, (_, i) => ({ op: 'add', path: `f${i}`, sha256 }));
    const res = await commit(operations);
    const problem = (await res.json()) as Problem;
    assert.equal(res.status, 400);
    assert.equal(problem.field, 'operations');
    assert.match(problem.error, /100000|100,000/);
  });
});
