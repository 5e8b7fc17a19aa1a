import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { keysFromKeySet } from '../../app/keys.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { compareWithManifest, verifyManifestSignature, type SignedManifest } from './manifests.models.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('signed release manifests', () => {
  let server: TestServer;
  let token: string;
  let commit: string;
  before(async () => {
    server = await startTestServer();
    await server.createUser('pub');
    token = await server.createToken('pub');
    await createRepo(server, token, 'pub/gated', { accessLevel: 'reviewed' });
    commit = (await uploadFiles(server, token, 'pub/gated', { 'README.md': '# card', 'w/model.bin': 'weights' })).commitOid;
  });
  after(() => server.close());

  it('lists every file with size, sha256 and md5, signed by a key published in keys.json', async () => {
    const res = await server.api('GET', `/api/models/pub/gated/manifest/main`);
    assert.equal(res.status, 200);
    const signed = (await res.json()) as SignedManifest;
    assert.equal(signed.manifest.commit, commit);
    assert.deepEqual(signed.manifest.files, [
      { path: 'README.md', size: 6, sha256: sha256('# card'), md5: md5('# card') },
      { path: 'w/model.bin', size: 7, sha256: sha256('weights'), md5: md5('weights') },
    ]);
    const keySet = (await (await server.api("GET", "/.well-known/airlock/keys.json")).json()) as Parameters<typeof keysFromKeySet>[0];
    const key = keysFromKeySet(keySet).get(signed.signature.keyId);
    assert.ok(key, 'the signing key is published');
    assert.equal(verifyManifestSignature(signed, key), true);
  });

  it('offers the signed manifest of the commit shown as a file on the repository page', async () => {
    const html = await (await server.api('GET', '/pub/gated')).text();
    const href = /<a href="([^"]+)" download="gated-[0-9a-f]{12}\.manifest\.json" data-testid="manifest-link"/.exec(html)?.[1];
    assert.equal(href, `/api/models/pub/gated/manifest/${commit}`);
    const signed = (await (await server.api('GET', href!)).json()) as SignedManifest;
    assert.equal(signed.manifest.commit, commit);
    const keySet = (await (await server.api('GET', '/.well-known/airlock/keys.json')).json()) as Parameters<typeof keysFromKeySet>[0];
    assert.equal(verifyManifestSignature(signed, keysFromKeySet(keySet).get(signed.signature.keyId)!), true);
  });

  it('fails the signature when any listed hash is changed', async () => {
    const signed = (await (await server.api('GET', `/api/models/pub/gated/manifest/${commit}`)).json()) as SignedManifest;
    const key = keysFromKeySet((await (await server.api("GET", "/.well-known/airlock/keys.json")).json()) as Parameters<typeof keysFromKeySet>[0]).get(signed.signature.keyId)!;
    signed.manifest.files[1]!.sha256 = sha256('evil');
    assert.equal(verifyManifestSignature(signed, key), false);
  });

  it('reports missing, extra and changed files of a local copy', () => {
    const manifest = { format: 'airlock-manifest/v1' as const, server: 'x', repository: { type: 'model' as const, id: 'a/b' }, commit: 'c', committedAt: '', files: [
      { path: 'a', size: 1, sha256: sha256('a'), md5: md5('a') },
      { path: 'b', size: 1, sha256: sha256('b'), md5: md5('b') },
    ] };
    assert.deepEqual(compareWithManifest(manifest, [{ path: 'a', size: 1, sha256: sha256('A') }, { path: 'c', size: 1, sha256: sha256('c') }]), [
      { kind: 'changed', path: 'a', reason: `sha256 ${sha256('A').slice(0, 16)}…, expected ${sha256('a').slice(0, 16)}…` },
      { kind: 'missing', path: 'b' },
      { kind: 'extra', path: 'c' },
    ]);
  });

  it('hides the manifest of a private repository from others, like the repository itself', async () => {
    await createRepo(server, token, 'pub/secret', { private: true });
    await server.createUser('other');
    const otherToken = await server.createToken('other', 'read');
    const res = await server.api('GET', '/api/models/pub/secret/manifest/main', { token: otherToken });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-error-code'), 'RepoNotFound');
  });
});
