import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq, isNull } from 'drizzle-orm';
import { downloadFile, modelInfo } from '@huggingface/hub';
import { grants } from '../access/access.tables.ts';
import { generatedBytes } from '../../../test/support/generated-file.ts';
import { caught, xetCheckingFetch } from '../../../test/support/hub-client.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const GATED = 'alice/gated-lm';
const WEIGHTS = 'weights/model.safetensors';
const WEIGHTS_SIZE = 2 * 1024 * 1024;

describe('gated downloads through the @huggingface/hub client', () => {
  let server: TestServer;
  let owner: string;
  let bob: string;
  let bobId: string;
  const checked = xetCheckingFetch();
  const hub = () => ({ hubUrl: server.url, fetch: checked.fetch });
  const ownerCall = (path: string, json: unknown) => server.api('POST', `/api/models/${GATED}/${path}`, { token: owner, json });
  const resolve = (token: string | undefined, headers: Record<string, string> = {}) => server.api('GET', `/${GATED}/resolve/main/${WEIGHTS}`, { token, headers });
  const bobDownloads = async () => {
    const blob = await downloadFile({ repo: GATED, path: WEIGHTS, ...hub(), accessToken: bob });
    return Buffer.from(await blob!.slice(0, 16).arrayBuffer());
  };
  const expectGated = async (res: Response, status: number, message: RegExp) => {
    assert.equal(res.status, status);
    assert.equal(res.headers.get('x-error-code'), 'GatedRepo');
    const body = (await res.json()) as { error: string };
    assert.match(body.error, message);
  };

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    bobId = (await server.createUser('bob')).id;
    owner = await server.createToken('alice');
    bob = await server.createToken('bob');
    await createRepo(server, owner, GATED, { accessLevel: 'reviewed' });
    await uploadFiles(server, owner, GATED, { 'README.md': '# Gated\n', [WEIGHTS]: generatedBytes('gated', WEIGHTS_SIZE) });
  });
  after(() => server.close());

  it('answers an anonymous download with 401 GatedRepo and asks the user to log in', async () => {
    await expectGated(await resolve(undefined), 401, /Access to model alice\/gated-lm is restricted\. You must have access to it and be authenticated to access it\. Please log in/);
    const head = await server.api('HEAD', `/${GATED}/resolve/main/${WEIGHTS}`);
    assert.equal(head.status, 401);
    assert.equal(head.headers.get('x-error-code'), 'GatedRepo');
    const error = await caught(() => downloadFile({ repo: GATED, path: WEIGHTS, ...hub() }));
    assert.equal(error.statusCode, 401);
  });

  it('keeps the card and the metadata readable, reporting the repo as manually gated', async () => {
    const card = await downloadFile({ repo: GATED, path: 'README.md', ...hub() });
    assert.equal(await card!.text(), '# Gated\n');
    assert.equal((await modelInfo({ name: GATED, ...hub() })).gated, 'manual');
  });

  it('answers a signed-in user without a grant with 403 GatedRepo naming the page to apply on', async () => {
    await expectGated(await resolve(bob), 403, new RegExp(`Apply at ${server.url}/alice/gated-lm`));
    const error = await caught(bobDownloads);
    assert.equal(error.statusCode, 403);
    assert.match(error.message, /you need an approved access application/);
  });

  it('lets the user download once the owner grants access through the Hub owner API', async () => {
    const grant = await ownerCall('user-access-request/grant', { user: 'bob' });
    assert.equal(grant.status, 200);
    assert.deepEqual(await bobDownloads(), generatedBytes('gated', 16));
  });

  it('stops downloads again when the owner sets the request back to pending', async () => {
    const handle = await ownerCall('user-access-request/handle', { user: 'bob', status: 'pending' });
    assert.equal(handle.status, 200);
    await expectGated(await resolve(bob), 403, /awaiting a review/);
    assert.equal((await caught(bobDownloads)).statusCode, 403);
  });

  it("stops downloads when the owner revokes the grant through Airlock's grants API", async () => {
    assert.equal((await ownerCall('user-access-request/grant', { user: 'bob' })).status, 200);
    assert.deepEqual(await bobDownloads(), generatedBytes('gated', 16));
    const revoke = await ownerCall('grants/revoke', { user: 'bob', reason: 'study ended' });
    assert.equal(revoke.status, 200);
    assert.deepEqual(await revoke.json(), { user: 'bob', revoked: 1 });
    await expectGated(await resolve(bob), 403, /approved access application/);
  });

  it('refuses a grant whose end date has already passed, and stores nothing', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    for (const path of ['user-access-request/grant', 'grants']) {
      const res = await ownerCall(path, { user: 'bob', until: past });
      assert.equal(res.status, 400, path);
      assert.equal(((await res.json()) as { field: string }).field, 'until');
    }
    assert.equal((await resolve(bob)).status, 403);
  });

  it('stops a download, a resumed range request included, at the first request after the grant expires', async () => {
    const until = new Date(Date.now() + 3600_000).toISOString();
    const grant = await ownerCall('grants', { user: 'bob', until });
    assert.equal(grant.status, 201);
    assert.equal(((await grant.json()) as { endsAt: string }).endsAt, until);
    const blob = await downloadFile({ repo: GATED, path: WEIGHTS, ...hub(), accessToken: bob });
    const half = WEIGHTS_SIZE / 2;
    assert.deepEqual(Buffer.from(await blob!.slice(0, half).arrayBuffer()), generatedBytes('gated', half));

    await server.runtime.deps.db.update(grants).set({ endsAt: new Date(Date.now() - 1000) }).where(and(eq(grants.userId, bobId), isNull(grants.revokedAt)));

    const resumed = await caught(() => blob!.slice(half).arrayBuffer());
    assert.equal(resumed.statusCode, 403);
    await expectGated(await resolve(bob, { Range: `bytes=${half}-` }), 403, /approved access application/);
    const head = await server.api('HEAD', `/${GATED}/resolve/main/${WEIGHTS}`, { token: bob });
    assert.equal(head.status, 403);
    assert.equal(head.headers.get('x-error-code'), 'GatedRepo');
  });

  it('gates a dataset the same way as a model', async () => {
    await createRepo(server, owner, 'alice/gated-data', { type: 'dataset', accessLevel: 'reviewed' });
    await uploadFiles(server, owner, 'alice/gated-data', { 'data/train.csv': 'a,b\n1,2\n' }, { type: 'dataset' });
    const url = '/datasets/alice/gated-data/resolve/main/data/train.csv';
    await expectGated(await server.api('GET', url), 401, /Access to dataset alice\/gated-data is restricted/);
    await expectGated(await server.api('GET', url, { token: bob }), 403, new RegExp(`Apply at ${server.url}/datasets/alice/gated-data`));
    assert.equal((await server.api('POST', '/api/datasets/alice/gated-data/user-access-request/grant', { token: owner, json: { user: 'bob' } })).status, 200);
    const blob = await downloadFile({ repo: { type: 'dataset', name: 'alice/gated-data' }, path: 'data/train.csv', ...hub(), accessToken: bob });
    assert.equal(await blob!.text(), 'a,b\n1,2\n');
  });

  it("does not let a user copy a gated file into their own repo by naming its sha256 from the tree", async () => {
    const [entry] = (await (await server.api('POST', `/api/models/${GATED}/paths-info/main`, { token: bob, json: { paths: [WEIGHTS] } })).json()) as { lfs: { oid: string } }[];
    await server.createUser('carol');
    const carol = await server.createToken('carol');
    await createRepo(server, carol, 'carol/copy');
    const res = await server.api('POST', '/api/models/carol/copy/commit/main', { token: carol, json: { message: 'copy', operations: [{ op: 'add', path: 'stolen.safetensors', sha256: entry!.lfs.oid }] } });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { field: string; error: string };
    assert.equal(body.field, 'operations.0.sha256');
    assert.match(body.error, /was uploaded to this repository/);
    assert.equal((await server.api('GET', '/carol/copy/resolve/main/stolen.safetensors')).status, 404);
  });

  it('never answered the client with a Xet header or content type', () => {
    assert.ok(checked.checked() > 10);
  });
});
