import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadFile, fileDownloadInfo } from '@huggingface/hub';
import { and, eq } from 'drizzle-orm';
import { keysFromKeySet } from '../../app/keys.ts';
import { xetCheckingFetch } from '../../../test/support/hub-client.ts';
import { runCli } from '../../../test/support/run-cli.ts';
import { buildSafetensors, SMALL_MODEL } from '../../../test/support/safetensors.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { flushDownloadRecords } from '../audit/audit.download-batch.ts';
import { auditEvents } from '../audit/audit.tables.ts';
import { SCHEME } from './fingerprints.models.ts';
import { fingerprintCopies } from './fingerprints.tables.ts';
import { verifyManifestSignature, type SignedManifest } from '../manifests/manifests.models.ts';
import { parseSafetensorsHeader } from './safetensors.ts';

const REPO = 'lab/leaky-lm';
const WEIGHTS = buildSafetensors('download', SMALL_MODEL, { format: 'pt' });
const TRUNCATED = WEIGHTS.subarray(0, 100_000);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const unquote = (etag: string | null) => (etag ?? '').replace(/^W\//, '').replace(/"/g, '');

describe('fingerprinted downloads of safetensors weights', () => {
  let server: TestServer;
  let owner: string;
  let alice: string;
  let bob: string;
  const get = async (token: string | undefined, path: string, headers: Record<string, string> = {}) => {
    const res = await server.api('GET', `/${REPO}/resolve/main/${path}`, { token, headers });
    return { res, body: Buffer.from(await res.arrayBuffer()) };
  };

  before(async () => {
    // The publisher's original is checked by its sha256 ETag, which only a streamed answer carries;
    // on S3 (AIRLOCK_TEST_STORAGE=s3) it would be redirected, which hub.s3-download.test.ts covers.
    server = await startTestServer({ config: { s3Redirect: false } });
    await server.createUser('lab');
    await server.createUser('alice');
    await server.createUser('bob');
    owner = await server.createToken('lab');
    alice = await server.createToken('alice', 'read');
    bob = await server.createToken('bob', 'read');
    await createRepo(server, owner, REPO, { accessLevel: 'reviewed' });
    await uploadFiles(server, owner, REPO, { 'model.safetensors': WEIGHTS, 'broken.safetensors': TRUNCATED, 'config.json': '{"layers":2}' });
    for (const user of ['alice', 'bob']) {
      const grant = await server.api('POST', `/api/models/${REPO}/user-access-request/grant`, { token: owner, json: { user } });
      assert.equal(grant.status, 200, await grant.text());
    }
  });
  after(() => server.close());

  it('lets only a publisher turn fingerprinting on, names a bad field, and audits the change', async () => {
    assert.equal((await server.api('PUT', `/api/models/${REPO}/fingerprinting`, { token: alice, json: { enabled: true } })).status, 403);
    const bad = await server.api('PUT', `/api/models/${REPO}/fingerprinting`, { token: owner, json: { enabled: 'yes' } });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { field: string }).field, 'enabled');
    const res = await server.api('PUT', `/api/models/${REPO}/fingerprinting`, { token: owner, json: { enabled: true } });
    assert.equal(res.status, 200, await res.text());
    assert.deepEqual(await (await server.api('GET', `/api/models/${REPO}/fingerprinting`, { token: alice })).json(), { enabled: true });
    const events = await server.runtime.deps.db.select().from(auditEvents).where(eq(auditEvents.action, 'repo.fingerprinting_changed'));
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.details, { before: false, after: true });
  });

  it('serves each recipient a valid copy with the same header, named by its own sha256, and the publisher the original', async () => {
    const a = await get(alice, 'model.safetensors');
    const b = await get(bob, 'model.safetensors');
    const o = await get(owner, 'model.safetensors');
    assert.equal(a.res.status, 200);
    assert.deepEqual(o.body, WEIGHTS, 'the publisher gets the original');
    assert.equal(unquote(o.res.headers.get('etag')), sha256(WEIGHTS));
    for (const copy of [a, b]) {
      assert.equal(copy.body.length, WEIGHTS.length);
      assert.notEqual(sha256(copy.body), sha256(WEIGHTS));
      assert.equal(unquote(copy.res.headers.get('etag')), sha256(copy.body));
      assert.equal(unquote(copy.res.headers.get('x-linked-etag')), sha256(copy.body));
      const header = parseSafetensorsHeader(copy.body, copy.body.length);
      assert.deepEqual(copy.body.subarray(0, header.dataStart), WEIGHTS.subarray(0, header.dataStart));
    }
    assert.notEqual(sha256(a.body), sha256(b.body));
    const head = await server.api('HEAD', `/${REPO}/resolve/main/model.safetensors`, { token: alice });
    assert.equal(unquote(head.headers.get('x-linked-etag')), sha256(a.body));
    assert.equal((await get(alice, 'model.safetensors')).body.equals(a.body), true, 'the same copy every time');
  });

  it('gives a resumed Range download exactly the bytes of the whole copy', async () => {
    const whole = (await get(alice, 'model.safetensors')).body;
    for (const [start, end] of [[0, 99], [1_000_001, 2_345_678], [WEIGHTS.length - 5, WEIGHTS.length - 1], [4_000_003, 4_000_003]] as const) {
      const part = await get(alice, 'model.safetensors', { Range: `bytes=${start}-${end}` });
      assert.equal(part.res.status, 206);
      assert.deepEqual(part.body, whole.subarray(start, end + 1), `${start}-${end}`);
    }
  });

  it('records the copy served in the download audit', async () => {
    await flushDownloadRecords(server.runtime.deps.db);
    const rows = await server.runtime.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'file.downloaded')));
    const copies = rows.map((r) => (r.details as { fingerprintedSha256?: string }).fingerprintedSha256).filter(Boolean);
    assert.ok(copies.length >= 2);
  });

  it('lets the @huggingface/hub client download a copy that passes its size and ETag and differs per recipient', async () => {
    const checked = xetCheckingFetch();
    const hashes = [];
    for (const token of [alice, bob]) {
      const info = await fileDownloadInfo({ repo: REPO, path: 'model.safetensors', hubUrl: server.url, fetch: checked.fetch, accessToken: token });
      const blob = await downloadFile({ repo: REPO, path: 'model.safetensors', hubUrl: server.url, fetch: checked.fetch, accessToken: token });
      const bytes = Buffer.from(await blob!.arrayBuffer());
      assert.equal(info!.size, bytes.length);
      assert.equal(unquote(info!.etag), sha256(bytes));
      hashes.push(sha256(bytes));
    }
    assert.notEqual(hashes[0], hashes[1]);
  });

  it('lets `airlock download` fetch and check a recipient\'s copy, resuming a partial one', async () => {
    const copy = (await get(alice, 'model.safetensors')).body;
    const to = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-fp-dl-'));
    try {
      await fs.writeFile(path.join(to, 'model.safetensors.incomplete'), copy.subarray(0, 1_234_567));
      const env = { AIRLOCK_ENDPOINT: server.url, AIRLOCK_TOKEN: alice, AIRLOCK_CONFIG_DIR: to };
      const result = await runCli(['download', REPO, '--to', to, '--include', '*.safetensors'], { env });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(await fs.readFile(path.join(to, 'model.safetensors')), copy);
    } finally {
      await fs.rm(to, { recursive: true, force: true });
    }
  });

  it('signs a personal manifest listing the recipient\'s own hashes', async () => {
    const mine = (await (await server.api('GET', `/api/models/${REPO}/manifest/main`, { token: alice })).json()) as SignedManifest;
    const copy = (await get(alice, 'model.safetensors')).body;
    assert.equal(mine.manifest.recipient, 'alice');
    const entry = mine.manifest.files.find((f) => f.path === 'model.safetensors')!;
    assert.deepEqual([entry.sha256, entry.md5], [sha256(copy), md5(copy)]);
    assert.equal(mine.manifest.files.find((f) => f.path === 'config.json')!.sha256, sha256(Buffer.from('{"layers":2}')));
    const keys = keysFromKeySet((await (await server.api('GET', '/.well-known/airlock/keys.json')).json()) as Parameters<typeof keysFromKeySet>[0]);
    assert.equal(verifyManifestSignature(mine, keys.get(mine.signature.keyId)!), true);
    const publisher = (await (await server.api('GET', `/api/models/${REPO}/manifest/main`, { token: owner })).json()) as SignedManifest;
    assert.equal(publisher.manifest.recipient, undefined);
    assert.equal(publisher.manifest.files.find((f) => f.path === 'model.safetensors')!.sha256, sha256(WEIGHTS));
  });

  it('follows the setting at once: off serves the original, on again the same copy', async () => {
    const copy = (await get(alice, 'model.safetensors')).body;
    assert.equal((await server.api('PUT', `/api/models/${REPO}/fingerprinting`, { token: owner, json: { enabled: false } })).status, 200);
    assert.deepEqual((await get(alice, 'model.safetensors')).body, WEIGHTS);
    assert.equal((await server.api('PUT', `/api/models/${REPO}/fingerprinting`, { token: owner, json: { enabled: true } })).status, 200);
    assert.deepEqual((await get(alice, 'model.safetensors')).body, copy);
  });

  it('never serves the hashes of a copy recorded under an older scheme, and keeps that record', async () => {
    const carol = await server.createUser('carol');
    const grant = await server.api('POST', `/api/models/${REPO}/user-access-request/grant`, { token: owner, json: { user: 'carol' } });
    assert.equal(grant.status, 200, await grant.text());
    const db = server.runtime.deps.db;
    const stale = { blobSha256: sha256(WEIGHTS), userId: carol.id, scheme: 'airlock-fp/v1', sha256: 'a'.repeat(64), md5: 'b'.repeat(32), size: WEIGHTS.length, createdAt: new Date() };
    await db.insert(fingerprintCopies).values(stale);
    const { res, body } = await get(await server.createToken('carol', 'read'), 'model.safetensors');
    assert.equal(res.status, 200);
    assert.equal(unquote(res.headers.get('etag')), sha256(body));
    assert.equal(res.headers.get('x-airlock-fingerprinted'), SCHEME);
    const rows = await db.select().from(fingerprintCopies).where(eq(fingerprintCopies.userId, carol.id));
    assert.deepEqual(rows.map((r) => [r.scheme, r.sha256]).sort(), [['airlock-fp/v1', stale.sha256], [SCHEME, sha256(body)]].sort());
  });

  it('serves a truncated safetensors file unmodified rather than half-marked', async () => {
    const { res, body } = await get(alice, 'broken.safetensors');
    assert.equal(res.status, 200);
    assert.deepEqual(body, TRUNCATED);
    assert.equal(unquote(res.headers.get('etag')), sha256(TRUNCATED));
  });

  it('asks anonymous users of an open fingerprinted repository to sign in', async () => {
    await createRepo(server, owner, 'lab/open-lm');
    await uploadFiles(server, owner, 'lab/open-lm', { 'model.safetensors': WEIGHTS });
    assert.equal((await server.api('PUT', '/api/models/lab/open-lm/fingerprinting', { token: owner, json: { enabled: true } })).status, 200);
    const anonymous = await server.api('GET', '/lab/open-lm/resolve/main/model.safetensors');
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('x-error-message') ?? '', /fingerprinted copy/);
    const signedIn = await server.api('GET', '/lab/open-lm/resolve/main/model.safetensors', { token: alice });
    assert.equal(signedIn.status, 200);
    assert.equal(signedIn.headers.get('cache-control'), 'private, no-store', 'no shared cache may keep one recipient\'s copy');
    assert.notEqual(sha256(Buffer.from(await signedIn.arrayBuffer())), sha256(WEIGHTS));
  });
});
