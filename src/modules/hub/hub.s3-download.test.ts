import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { downloadFile, fileDownloadInfo } from '@huggingface/hub';
import { and, eq, gt } from 'drizzle-orm';
import { loadConfig } from '../../app/config.ts';
import { runLocalCommand } from '../../cli/local.ts';
import { ManualClock } from '../../lib/clock.ts';
import { generatedBytes, generatedChunks, generatedSha256 } from '../../../test/support/generated-file.ts';
import { xetCheckingFetch } from '../../../test/support/hub-client.ts';
import { startS3Server, type S3TestServer } from '../../../test/support/s3-server.ts';
import { buildSafetensors, SMALL_MODEL } from '../../../test/support/safetensors.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { flushDownloadRecords } from '../audit/audit.download-batch.ts';
import { auditEvents } from '../audit/audit.tables.ts';
import { blobs } from '../blobs/blobs.tables.ts';
import { S3BlobStore } from '../blobs/s3-blob-store.ts';

const REPO = 'alice/s3-lm';
const WEIGHTS = 'weights/model.safetensors';
const WEIGHTS_SIZE = 3 * 1024 * 1024 + 17;
const WEIGHTS_BYTES = generatedBytes('s3-weights', WEIGHTS_SIZE);
const WEIGHTS_SHA = generatedSha256('s3-weights', WEIGHTS_SIZE);
const PRINTED = 'printed/model.safetensors';
const MiB = 1024 * 1024;

describe('downloads from S3 storage, through presigned redirects', () => {
  let s3: S3TestServer;
  let server: TestServer;
  let streaming: TestServer;
  const clock = new ManualClock();
  let owner: string;
  let bob: string;
  let carol: string;
  let commit: string;
  let seq = 0;
  const resolveUrl = (target: TestServer, path: string) => `${target.url}/${REPO}/resolve/main/${path}`;
  /** A GET that does not follow redirects, so the 3xx itself can be read. */
  const getManual = (target: TestServer, path: string, token?: string, headers: Record<string, string> = {}) =>
    fetch(resolveUrl(target, path), { headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers }, redirect: 'manual' });
  const newDownloadRecords = async () => {
    // Streamed downloads are recorded in batches, at most 10 ms after they end: write what waits first.
    await flushDownloadRecords(server.runtime.deps.db);
    const rows = await server.runtime.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'file.downloaded'), gt(auditEvents.seq, seq))).orderBy(auditEvents.seq);
    seq = Math.max(seq, ...rows.map((r) => r.seq));
    return rows.map((r) => r.details as Record<string, unknown>);
  };
  const store = () => server.runtime.deps.blobs as S3BlobStore;

  before(async () => {
    s3 = await startS3Server();
    const s3Config = (prefix: string, s3Redirect: boolean) => ({ storage: s3.storage(prefix), s3: s3.settings, s3Redirect });
    server = await startTestServer({ clock, config: s3Config('redirecting', true) });
    await server.createUser('alice');
    await server.createUser('bob');
    await server.createUser('carol');
    owner = await server.createToken('alice');
    bob = await server.createToken('bob', 'read');
    carol = await server.createToken('carol', 'read');
    await createRepo(server, owner, REPO, { accessLevel: 'reviewed' });
    ({ commitOid: commit } = await uploadFiles(server, owner, REPO, { 'README.md': '# On S3\n', 'config.json': '{"layers":2}', [WEIGHTS]: WEIGHTS_BYTES }));
    const grant = await server.api('POST', `/api/models/${REPO}/user-access-request/grant`, { token: owner, json: { user: 'bob' } });
    assert.equal(grant.status, 200, await grant.text());
    await newDownloadRecords();
  });
  after(async () => {
    await streaming?.close();
    await server?.close();
    await s3?.close();
  });

  it('redirects a granted download of an LFS file to a presigned S3 URL, with the commit, the sha256 ETag and the size on the 302', async () => {
    const res = await getManual(server, WEIGHTS, bob);
    assert.equal(res.status, 302);
    const location = res.headers.get('location')!;
    assert.ok(location.startsWith(`${s3.endpoint}/${s3.bucket}/redirecting/sha256/${WEIGHTS_SHA.slice(0, 2)}/`), location);
    assert.match(location, /X-Amz-Signature=/);
    assert.equal(res.headers.get('x-repo-commit'), commit);
    assert.equal(res.headers.get('x-linked-etag'), `"${WEIGHTS_SHA}"`);
    assert.equal(res.headers.get('x-linked-size'), String(WEIGHTS_SIZE));
    assert.equal(res.headers.get('cache-control'), 'private, no-store');
    // The presigned URL needs no Airlock credentials: S3 serves it to anyone holding it, until it expires.
    const fromS3 = await fetch(location);
    assert.equal(fromS3.status, 200);
    assert.deepEqual(Buffer.from(await fromS3.arrayBuffer()), WEIGHTS_BYTES);
    assert.match(fromS3.headers.get('content-disposition') ?? '', /filename="model.safetensors"/);
  });

  it('lets the @huggingface/hub client follow the redirect, and still gives it the sha256 ETag from its one-byte probe', async () => {
    const checked = xetCheckingFetch();
    const info = await fileDownloadInfo({ repo: REPO, path: WEIGHTS, hubUrl: server.url, fetch: checked.fetch, accessToken: bob });
    assert.equal(info?.etag, `"${WEIGHTS_SHA}"`);
    assert.equal(info?.size, WEIGHTS_SIZE);
    const blob = await downloadFile({ repo: REPO, path: WEIGHTS, hubUrl: server.url, fetch: checked.fetch, accessToken: bob });
    assert.deepEqual(Buffer.from(await blob!.arrayBuffer()), WEIGHTS_BYTES);
    const slice = await downloadFile({ repo: REPO, path: WEIGHTS, hubUrl: server.url, fetch: checked.fetch, accessToken: bob });
    assert.deepEqual(Buffer.from(await slice!.slice(MiB, 3 * MiB).arrayBuffer()), WEIGHTS_BYTES.subarray(MiB, 3 * MiB));
    assert.ok(checked.checked() >= 3);
  });

  it('passes a Range request through the redirect, where S3 answers 206 with exactly those bytes', async () => {
    const range = { Range: `bytes=${MiB}-${3 * MiB - 1}` };
    const redirect = await getManual(server, WEIGHTS, bob, range);
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('content-range'), null, 'the 3xx is not itself partial content');
    // Followed as a client does: the Range goes along, Authorization does not (S3 refuses two kinds of auth at once).
    const followed = await fetch(resolveUrl(server, WEIGHTS), { headers: { Authorization: `Bearer ${bob}`, ...range } });
    assert.equal(followed.status, 206);
    assert.equal(followed.headers.get('content-range'), `bytes ${MiB}-${3 * MiB - 1}/${WEIGHTS_SIZE}`);
    assert.deepEqual(Buffer.from(await followed.arrayBuffer()), WEIGHTS_BYTES.subarray(MiB, 3 * MiB));
    // Small ranges are served by Airlock itself, with its own headers.
    const probe = await getManual(server, WEIGHTS, bob, { Range: 'bytes=0-0' });
    assert.equal(probe.status, 206);
    assert.equal(probe.headers.get('content-range'), `bytes 0-0/${WEIGHTS_SIZE}`);
    assert.deepEqual(Buffer.from(await probe.arrayBuffer()), WEIGHTS_BYTES.subarray(0, 1));
  });

  it('answers HEAD itself, with no redirect, as the Python client expects (it follows only relative redirects)', async () => {
    const head = await fetch(resolveUrl(server, WEIGHTS), { method: 'HEAD', headers: { Authorization: `Bearer ${bob}` }, redirect: 'manual' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('location'), null);
    assert.equal(head.headers.get('x-linked-etag'), `"${WEIGHTS_SHA}"`);
    assert.equal(head.headers.get('content-length'), String(WEIGHTS_SIZE));
    assert.equal(head.headers.get('x-repo-commit'), commit);
  });

  it('audits each redirect as a download: the file, the range asked for, and the bytes redirected rather than sent', async () => {
    await newDownloadRecords();
    await (await getManual(server, WEIGHTS, bob)).arrayBuffer();
    await (await getManual(server, WEIGHTS, bob, { Range: `bytes=${2 * MiB}-` })).arrayBuffer();
    const records = await newDownloadRecords();
    assert.equal(records.length, 2);
    assert.deepEqual(records.map((r) => [r.path, r.commit, r.range, r.delivery, r.bytesRedirected, r.size]), [
      [WEIGHTS, commit, null, 'redirect', WEIGHTS_SIZE, WEIGHTS_SIZE],
      [WEIGHTS, commit, `${2 * MiB}-${WEIGHTS_SIZE - 1}`, 'redirect', WEIGHTS_SIZE - 2 * MiB, WEIGHTS_SIZE],
    ]);
  });

  it('gives no presigned URL to an anonymous caller (401) or a user without a grant (403)', async () => {
    for (const [token, status] of [[undefined, 401], [carol, 403]] as const) {
      const res = await getManual(server, WEIGHTS, token);
      assert.equal(res.status, status);
      assert.equal(res.headers.get('x-error-code'), 'GatedRepo');
      assert.equal(res.headers.get('location'), null);
      const body = await res.text();
      assert.ok(!body.includes(s3.endpoint) && !/X-Amz/i.test(body), body);
    }
    assert.deepEqual(await newDownloadRecords(), [], 'a refusal is not a download');
  });

  it('serves small files from Airlock even on S3, with their git ETag', async () => {
    const res = await getManual(server, 'config.json', bob);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('etag'), `"${createHash('sha1').update('blob 12\0{"layers":2}').digest('hex')}"`);
    assert.equal(await res.text(), '{"layers":2}');
  });

  it('streams a fingerprinted copy through the server and never redirects it, since each recipient\'s bytes differ', async () => {
    const weights = buildSafetensors('s3-printed', SMALL_MODEL);
    await uploadFiles(server, owner, REPO, { [PRINTED]: weights });
    const on = await server.api('PUT', `/api/models/${REPO}/fingerprinting`, { token: owner, json: { enabled: true } });
    assert.equal(on.status, 200, await on.text());
    const res = await getManual(server, PRINTED, bob);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('location'), null);
    assert.ok(res.headers.get('x-airlock-fingerprinted'));
    const copy = Buffer.from(await res.arrayBuffer());
    assert.equal(copy.length, weights.length);
    assert.notDeepEqual(copy, weights, 'the recipient gets a marked copy');
    // Files of that repository that are not fingerprinted still redirect.
    assert.equal((await getManual(server, WEIGHTS, bob)).status, 302);
    const off = await server.api('PUT', `/api/models/${REPO}/fingerprinting`, { token: owner, json: { enabled: false } });
    assert.equal(off.status, 200);
  });

  it('streams every download through the server when redirects are switched off (AIRLOCK_S3_REDIRECT=0)', async () => {
    assert.equal(loadConfig({ AIRLOCK_S3_REDIRECT: '0' }).s3Redirect, false);
    assert.equal(loadConfig({}).s3Redirect, true);
    streaming = await startTestServer({ config: { storage: s3.storage('streaming'), s3: s3.settings, s3Redirect: false } });
    await streaming.createUser('alice');
    const token = await streaming.createToken('alice');
    await createRepo(streaming, token, REPO, { accessLevel: 'open' });
    await uploadFiles(streaming, token, REPO, { [WEIGHTS]: WEIGHTS_BYTES });
    const res = await getManual(streaming, WEIGHTS, token);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('location'), null);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), WEIGHTS_BYTES);
    const range = await getManual(streaming, WEIGHTS, token, { Range: `bytes=${MiB}-${2 * MiB}` });
    assert.equal(range.status, 206);
    assert.deepEqual(Buffer.from(await range.arrayBuffer()), WEIGHTS_BYTES.subarray(MiB, 2 * MiB + 1));
  });

  it('answers a streamed download with 503 storage_unavailable while S3 is down, rather than a 200 cut short', async () => {
    const token = await streaming.createToken('alice');
    await s3.kill();
    try {
      const res = await getManual(streaming, WEIGHTS, token);
      assert.equal(res.status, 503);
      const problem = (await res.json()) as { code: string; error: string };
      assert.equal(problem.code, 'storage_unavailable');
      assert.match(problem.error, /storage is unavailable, so the file cannot be sent now/);
    } finally {
      await s3.start();
    }
    const res = await getManual(streaming, WEIGHTS, token);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), WEIGHTS_BYTES);
  });

  it('collects garbage in S3: an unreferenced upload goes once past the grace period, committed blobs stay', async () => {
    const put = await server.api('PUT', `/api/models/${REPO}/upload`, { token: owner, body: Buffer.from('abandoned on S3') });
    assert.equal(put.status, 201);
    const abandoned = ((await put.json()) as { sha256: string }).sha256;
    const gc = async () => {
      const lines: string[] = [];
      assert.equal(await runLocalCommand(server.runtime.deps, ['admin', 'gc'], (line) => lines.push(line)), 0, lines.join('\n'));
      return lines.join('\n');
    };
    await gc();
    assert.equal(await store().exists(abandoned), true, 'young uploads stay');
    clock.advance(2 * 24 * 60 * 60 * 1000);
    assert.match(await gc(), /Removed 1 unreferenced blob/);
    assert.equal(await store().exists(abandoned), false);
    assert.equal(await store().exists(WEIGHTS_SHA), true);
    const again = await fetch(resolveUrl(server, WEIGHTS), { headers: { Authorization: `Bearer ${owner}` } });
    assert.deepEqual(Buffer.from(await again.arrayBuffer()), WEIGHTS_BYTES);
  });

  it('refuses an upload with 503 storage_unavailable when S3 goes down mid-upload, commits nothing, and takes the same upload once S3 is back', async () => {
    const size = 24 * MiB;
    const sha = generatedSha256('s3-outage-http', size);
    const upload = (killAt: number | null) => new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      let sent = 0;
      const request = http.request(`${server.url}/api/models/${REPO}/upload`, { method: 'PUT', headers: { Authorization: `Bearer ${owner}`, 'Content-Length': String(size) } }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
      });
      // The server may answer before the body is through; the cut-off request then fails, which is expected.
      request.on('error', (error) => (request.writableFinished ? reject(error) : undefined));
      Readable.from((async function* () {
        for (const chunk of generatedChunks('s3-outage-http', size)) {
          sent += chunk.length;
          if (sent === killAt) await s3.kill();
          yield chunk;
        }
      })(), { objectMode: false }).pipe(request);
    });
    const failed = await upload(8 * MiB);
    assert.equal(failed.status, 503, failed.body);
    assert.equal(failed.headers['x-error-message'] !== undefined, true);
    const problem = JSON.parse(failed.body) as { code: string; detail: string };
    assert.equal(problem.code, 'storage_unavailable');
    assert.match(problem.detail, /storage is unavailable/);
    assert.ok(!/at .*\.ts:\d+/.test(failed.body), 'no stack trace reaches the client');

    await s3.start();
    const rows = await server.runtime.deps.db.select().from(blobs).where(eq(blobs.sha256, sha));
    assert.deepEqual(rows, [], 'no blob row');
    assert.equal(await store().exists(sha), false);
    const temp = await store().client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'redirecting/tmp/' }));
    assert.deepEqual(temp.Contents ?? [], [], 'no temporary key');

    const retried = await upload(null);
    assert.equal(retried.status, 201, retried.body);
    assert.equal((JSON.parse(retried.body) as { sha256: string }).sha256, sha);
    assert.equal(await store().exists(sha), true);
  });
});
