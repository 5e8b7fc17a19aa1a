import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const TEXT = (n: number) => `Version ${n}: research use only; never redistribute the weights; report misuse.`;

describe('a grant holds only while the current agreement is signed', () => {
  let server: TestServer;
  let publisher: string;
  let rita: string;
  let agreementId: string;
  const download = (headers: Record<string, string> = {}) => server.api('GET', '/lab/model/resolve/main/weights.bin', { token: rita, headers });
  const access = async () => (await (await server.api('GET', '/api/models/lab/model/access', { token: rita })).json()) as {
    download: { allowed: boolean; code?: string };
    requirements: { id: string; met: boolean }[];
    grant: unknown;
  };
  const publish = async (n: number) => {
    const res = await server.api('PUT', '/api/models/lab/model/agreement', { token: publisher, json: { title: 'Lab research terms', text: TEXT(n) } });
    agreementId = ((await res.json()) as { id: string }).id;
  };
  const sign = (version: number) => server.api('POST', `/api/agreements/${agreementId}/signatures`, { token: rita, json: { version, signedName: 'rita Example' } });

  before(async () => {
    server = await startTestServer();
    await server.createUser('lab');
    await server.createUser('rita');
    publisher = await server.createToken('lab');
    rita = await server.createToken('rita');
    await createRepo(server, publisher, 'lab/model', { accessLevel: 'reviewed' });
    await uploadFiles(server, publisher, 'lab/model', { 'weights.bin': Buffer.alloc(1000, 1) });
    await publish(1);
    const granted = await server.api('POST', '/api/models/lab/model/user-access-request/grant', { token: publisher, json: { user: 'rita' } });
    assert.equal(granted.status, 200);
  });
  after(() => server.close());

  it('refuses a granted user who has not signed the agreement, saying what to sign', async () => {
    const res = await download();
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-error-code'), 'GatedRepo');
    assert.match(res.headers.get('x-error-message') ?? '', /"Lab research terms" changed to version 1.*sign it at/);
    const status = await access();
    assert.equal(status.download.allowed, false);
    assert.deepEqual(status.requirements.map((r) => [r.id, r.met]), [['sign-in', true], ['agreement', false], ['application', true]]);
  });

  it('lets the download through once the current version is signed', async () => {
    assert.equal((await sign(1)).status, 201);
    assert.equal((await download()).status, 200);
    const status = await access();
    assert.equal(status.download.allowed, true);
    assert.ok(status.requirements.every((r) => r.met));
  });

  it('pauses access at the next request, a resumed range included, when a new version is published', async () => {
    assert.equal((await download({ Range: 'bytes=0-99' })).status, 206);
    await publish(2);
    const resumed = await download({ Range: 'bytes=100-' });
    assert.equal(resumed.status, 403);
    assert.match(resumed.headers.get('x-error-message') ?? '', /version 2/);
    assert.equal((await access()).download.code, 'gated_agreement_unsigned');
  });

  it('resumes access when the new version is signed', async () => {
    assert.equal((await sign(2)).status, 201);
    const res = await download({ Range: 'bytes=100-' });
    assert.equal(res.status, 206);
    assert.equal((await res.arrayBuffer()).byteLength, 900);
  });

  it('tells an anonymous visitor to sign in, and hides nothing else of the policy', async () => {
    const res = await server.api('GET', '/api/models/lab/model/access');
    const body = (await res.json()) as { download: { allowed: boolean }; requirements: { id: string; met: boolean }[]; grant: unknown };
    assert.equal(body.download.allowed, false);
    assert.equal(body.requirements[0]!.met, false);
    assert.equal(body.grant, null);
  });
});
