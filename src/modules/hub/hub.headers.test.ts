import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { gitBlobSha1 } from '../../lib/crypto.ts';
import { generatedBytes, generatedSha256, uploadGenerated } from '../../../test/support/generated-file.ts';
import { assertNoXet } from '../../../test/support/hub-client.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const REPO = 'alice/headers-lm';
const TEN_MIB_PLUS = 10 * 1024 * 1024 + 3;
const FILES: Record<string, string | Buffer> = {
  'config.json': '{"layers": 2}',
  'empty.txt': '',
  'model.safetensors': generatedBytes('headers-st', 5000),
  'pytorch_model.bin': generatedBytes('headers-bin', 3000),
  'docs/read me é.md': '# é\n',
};
const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

describe('raw HTTP answers of the Hub protocol routes', () => {
  let server: TestServer;
  let token: string;
  let commit: string;
  let responses = 0;
  /** Every answer in this file goes through here and is checked for Xet headers. */
  const call = async (method: string, url: string, options: { token?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {}) => {
    const res = await server.api(method, url, options);
    assertNoXet(res);
    responses++;
    return res;
  };
  const resolveUrl = (file: string) => `/${REPO}/resolve/main/${file.split('/').map(encodeURIComponent).join('/')}`;

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    token = await server.createToken('alice');
    await createRepo(server, token, REPO);
    const big = await uploadGenerated(server.url, token, `models/${REPO}`, 'headers-big', TEN_MIB_PLUS);
    assert.equal(big.status, 201);
    const files = await uploadFiles(server, token, REPO, FILES);
    const res = await server.api('POST', `/api/models/${REPO}/commit/main`, { token, json: { message: 'big text', operations: [{ op: 'add', path: 'big.txt', sha256: big.body.sha256 }] } });
    assert.equal(res.status, 201);
    commit = ((await res.json()) as { commitOid: string }).commitOid;
    assert.notEqual(commit, files.commitOid);
  });
  after(() => server.close());

  it('sends the commit, the git blob sha1 as ETag and the size on HEAD for a small file', async () => {
    const res = await call('HEAD', resolveUrl('config.json'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-repo-commit'), commit);
    assert.equal(res.headers.get('etag'), `"${gitBlobSha1('{"layers": 2}')}"`);
    assert.equal(res.headers.get('x-linked-etag'), null);
    assert.equal(res.headers.get('content-length'), '13');
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.equal(res.headers.get('content-encoding'), null);
    assert.equal(await res.text(), '');
  });

  it('sends X-Linked-Etag with the sha256 and X-Linked-Size for LFS files by extension and by size', async () => {
    const cases: [string, string, number][] = [
      ['model.safetensors', sha256(FILES['model.safetensors']!), 5000],
      ['pytorch_model.bin', sha256(FILES['pytorch_model.bin']!), 3000],
      ['big.txt', generatedSha256('headers-big', TEN_MIB_PLUS), TEN_MIB_PLUS],
    ];
    for (const [file, digest, size] of cases) {
      for (const method of ['HEAD', 'GET']) {
        const res = await call(method, resolveUrl(file), { headers: { Range: 'bytes=0-0' } });
        assert.equal(res.headers.get('x-linked-etag'), `"${digest}"`, file);
        assert.equal(res.headers.get('x-linked-size'), String(size), file);
        assert.equal(res.headers.get('etag'), `"${digest}"`, file);
        assert.equal(res.headers.get('x-repo-commit'), commit);
        await res.arrayBuffer();
      }
    }
  });

  it('answers bytes=0-0 and bytes=N- with 206 and a Content-Range naming the total size', async () => {
    const first = await call('GET', resolveUrl('model.safetensors'), { headers: { Range: 'bytes=0-0' } });
    assert.equal(first.status, 206);
    assert.equal(first.headers.get('content-range'), 'bytes 0-0/5000');
    assert.equal(first.headers.get('content-length'), '1');
    assert.deepEqual(Buffer.from(await first.arrayBuffer()), generatedBytes('headers-st', 1));
    const tail = await call('GET', resolveUrl('model.safetensors'), { headers: { Range: 'bytes=4990-' } });
    assert.equal(tail.status, 206);
    assert.equal(tail.headers.get('content-range'), 'bytes 4990-4999/5000');
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), generatedBytes('headers-st', 10, 4990));
    const head = await call('HEAD', resolveUrl('model.safetensors'), { headers: { Range: 'bytes=100-199' } });
    assert.equal(head.status, 206);
    assert.equal(head.headers.get('content-length'), '100');
  });

  it('answers an unsatisfiable range with 416 and the size, but never for the whole file', async () => {
    for (const range of ['bytes=5000-', 'bytes=9999-10000']) {
      const res = await call('GET', resolveUrl('model.safetensors'), { headers: { Range: range } });
      assert.equal(res.status, 416, range);
      assert.equal(res.headers.get('content-range'), 'bytes */5000');
      assert.match(res.headers.get('x-error-message') ?? '', /the file has 5000 bytes/);
      assert.deepEqual(Object.keys((await res.json()) as object).includes('error'), true, 'a JSON body with "error", as every Hub error has');
    }
    const whole = await call('GET', resolveUrl('model.safetensors'));
    assert.equal(whole.status, 200);
    assert.equal((await whole.arrayBuffer()).byteLength, 5000);
  });

  it('answers bytes=0-0 on an empty file with 200 and Content-Range bytes */0', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await call(method, resolveUrl('empty.txt'), { headers: { Range: 'bytes=0-0' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-range'), 'bytes */0');
      assert.equal(res.headers.get('content-length'), '0');
      assert.equal(res.headers.get('etag'), `"${gitBlobSha1('')}"`);
      assert.equal((await res.arrayBuffer()).byteLength, 0);
    }
  });

  it('decodes a percent-encoded path with a space and non-ASCII characters, as Python sends it', async () => {
    const res = await call('GET', `/${REPO}/resolve/main/docs/read%20me%20%C3%A9.md`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '# é\n');
    assert.match(res.headers.get('content-disposition') ?? '', /filename\*=UTF-8''read%20me%20%C3%A9\.md/);
  });

  it('answers a missing file with EntryNotFound and the commit it looked in', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await call(method, resolveUrl('nope/missing.bin'));
      assert.equal(res.status, 404);
      assert.equal(res.headers.get('x-error-code'), 'EntryNotFound');
      assert.equal(res.headers.get('x-repo-commit'), commit);
      assert.ok(res.headers.get('x-error-message'));
      if (method === 'GET') assert.match(((await res.json()) as { error: string }).error, /nope\/missing\.bin/);
    }
    const tree = await call('GET', `/api/models/${REPO}/tree/main/nope`);
    assert.equal(tree.status, 404);
    assert.equal(tree.headers.get('x-error-code'), 'EntryNotFound');
    assert.equal(tree.headers.get('x-repo-commit'), commit);
  });

  it('answers paths-info the same for a form body, as Python sends it, and for JSON', async () => {
    const url = `/api/models/${REPO}/paths-info/main`;
    const form = await call('POST', url, { body: 'paths=config.json&paths=model.safetensors&paths=docs&expand=false', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.status, 200);
    const json = await call('POST', url, { json: { paths: ['config.json', 'model.safetensors', 'docs'], expand: false } });
    const fromForm = (await form.json()) as { path: string; type: string; oid: string; size: number; lfs?: { oid: string }; lastCommit?: unknown }[];
    assert.deepEqual(fromForm, await json.json());
    assert.deepEqual(fromForm.map((e) => [e.type, e.path]).sort(), [['directory', 'docs'], ['file', 'config.json'], ['file', 'model.safetensors']]);
    assert.equal(fromForm.find((e) => e.path === 'config.json')!.oid, gitBlobSha1('{"layers": 2}'));
    assert.equal(fromForm.find((e) => e.path === 'model.safetensors')!.lfs!.oid, sha256(FILES['model.safetensors']!));
    assert.ok(fromForm.every((e) => e.lastCommit === undefined));
    const single = await call('POST', url, { body: 'paths=docs%2Fread+me+%C3%A9.md&expand=true', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    const [entry] = (await single.json()) as { path: string; lastCommit: { id: string } }[];
    assert.deepEqual([entry!.path, entry!.lastCommit.id], ['docs/read me é.md', commit]);
  });

  it('answers a CORS preflight for the API and for resolve, allowing Authorization and Range', async () => {
    for (const url of [`/api/models/${REPO}/tree/main`, resolveUrl('config.json'), `/datasets/acme/data/resolve/main/x.csv`]) {
      const res = await call('OPTIONS', url, { headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization,range' } });
      assert.ok(res.status === 204 || res.status === 200, `${url}: ${res.status}`);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      assert.ok(allowed.includes('authorization') && allowed.includes('range'), `${url}: ${allowed}`);
      assert.match(res.headers.get('access-control-allow-methods') ?? '', /GET/);
    }
  });

  it('exposes the protocol headers to cross-origin readers, on success and on errors', async () => {
    const wanted = ['x-error-code', 'x-error-message', 'x-repo-commit', 'x-linked-etag', 'x-linked-size', 'etag', 'content-range', 'link'];
    for (const url of [resolveUrl('model.safetensors'), resolveUrl('missing.bin'), `/api/models/${REPO}/tree/main`, '/api/models/alice/nope']) {
      const res = await call('GET', url, { headers: { Origin: 'https://app.example', Range: 'bytes=0-0' } });
      assert.equal(res.headers.get('access-control-allow-origin'), '*', url);
      const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
      for (const header of wanted) assert.ok(exposed.includes(header), `${url} does not expose ${header}`);
      await res.arrayBuffer();
    }
  });

  it('sends a download with the headers every answer carries: request id, security headers, no sniffing', async () => {
    for (const range of [undefined, 'bytes=10-19']) {
      const res = await call('GET', resolveUrl('model.safetensors'), range ? { headers: { Range: range } } : {});
      assert.equal(res.status, range ? 206 : 200);
      assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(res.headers.get('content-security-policy'));
      assert.equal(res.headers.get('content-type'), 'application/octet-stream');
      assert.equal((await res.arrayBuffer()).byteLength, range ? 10 : 5000);
    }
  });

  it('reads a branch whose name has a slash when the clients send it URL-encoded (feature%2Fx)', async () => {
    const branch = await uploadFiles(server, token, REPO, { 'config.json': '{"layers": 3}', 'sub/b.txt': 'b' }, { branch: 'feature/x' });
    const resolved = await call('GET', `/${REPO}/resolve/feature%2Fx/config.json`);
    assert.equal(resolved.status, 200);
    assert.equal(resolved.headers.get('x-repo-commit'), branch.commitOid);
    assert.equal(await resolved.text(), '{"layers": 3}');
    const info = await call('GET', `/api/models/${REPO}/revision/feature%2Fx`);
    assert.equal(((await info.json()) as { sha: string }).sha, branch.commitOid);
    const tree = await call('GET', `/api/models/${REPO}/tree/feature%2Fx/sub`);
    assert.deepEqual(((await tree.json()) as { path: string }[]).map((e) => e.path), ['sub/b.txt']);
    const paths = await call('POST', `/api/models/${REPO}/paths-info/feature%2Fx`, { json: { paths: ['sub/b.txt'] } });
    assert.deepEqual(((await paths.json()) as { path: string }[]).map((e) => e.path), ['sub/b.txt']);
    // main has not moved.
    assert.equal((await call('HEAD', resolveUrl('config.json'))).headers.get('x-repo-commit'), commit);
  });

  it('checked every answer in this file for Xet headers', () => {
    assert.ok(responses >= 29, `only ${responses} responses`);
  });
});
