import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { expectJson } from '../../../test/support/credentials.ts';
import { problem } from '../../../test/support/applications.ts';

/** A second GA4GH broker: a real HTTP server on loopback publishing its JWKS, and a signer of visas. */
async function startBroker() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'broker-key-1', alg: 'ES256', use: 'sig' };
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    if (req.url !== '/jwks.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (claims: { sub?: string; type?: string; exp?: number; typ?: string; key?: CryptoKey; kid?: string }) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ga4gh_visa_v1: { type: claims.type ?? 'ResearcherStatus', asserted: now - 86_400, value: 'https://doi.org/10.1038/s41431-018-0219-y', source: 'https://institute.example.org/so', by: 'so' } })
      .setProtectedHeader({ alg: 'ES256', typ: claims.typ ?? 'vnd.ga4gh.visa+jwt', kid: claims.kid ?? 'broker-key-1', jku: `${url}/jwks.json` })
      .setIssuer(url).setSubject(claims.sub ?? 'rita@broker').setIssuedAt(now).setExpirationTime(claims.exp ?? now + 3600).setJti(crypto.randomUUID())
      .sign(claims.key ?? privateKey);
  };
  return { url, sign, requests: () => requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('a ResearcherStatus visa from a trusted broker satisfies the credentialed requirement', () => {
  let server: TestServer;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let admin: string;
  let lab: string;
  let rita: string;
  let brokerId: string;
  const download = () => server.api('GET', '/lab/model/resolve/main/weights.bin', { token: rita });
  const bring = (visa: string, token = rita) => server.api('POST', '/api/me/visas', { token, json: { visa } });

  before(async () => {
    server = await startTestServer();
    broker = await startBroker();
    await server.createUser('root', { platformRoles: ['admin'] });
    await server.createUser('lab');
    await server.createUser('rita');
    await server.createUser('mallory');
    admin = await server.createToken('root');
    lab = await server.createToken('lab');
    rita = await server.createToken('rita');
    await createRepo(server, lab, 'lab/model', { accessLevel: 'reviewed' });
    await uploadFiles(server, lab, 'lab/model', { 'weights.bin': Buffer.alloc(100, 9) });
    await expectJson(await server.api('PUT', '/api/models/lab/model/access-policy', { token: lab, json: { requiresCredential: true } }), 200);
    await expectJson(await server.api('POST', '/api/models/lab/model/grants', { token: lab, json: { user: 'rita' } }), 201);
  });
  after(async () => {
    await server.close();
    await broker.close();
  });

  it('refuses a visa from a broker nobody trusted, naming the issuer', async () => {
    const body = await problem(await bring(await broker.sign({})), 403, 'untrusted_visa_issuer', 'visa');
    assert.match(body.error, new RegExp(broker.url));
    assert.equal((await download()).status, 403);
  });

  it('lets only platform admins trust a broker', async () => {
    await problem(await server.api('POST', '/api/admin/trusted-brokers', { token: lab, json: { iss: broker.url, jku: `${broker.url}/jwks.json` } }), 403, 'forbidden');
    await problem(await server.api('POST', '/api/admin/trusted-brokers', { token: admin, json: { iss: broker.url, jku: 'not a url' } }), 400, 'invalid_input', 'jku');
    const created = await expectJson<{ id: string; iss: string }>(await server.api('POST', '/api/admin/trusted-brokers', { token: admin, json: { iss: broker.url, jku: `${broker.url}/jwks.json` } }), 201);
    brokerId = created.id;
    const listed = await expectJson<{ iss: string }[]>(await server.api('GET', '/api/admin/trusted-brokers', { token: admin }), 200);
    assert.deepEqual(listed.map((b) => b.iss), [broker.url]);
  });

  it('refuses a tampered visa, one signed by another key, an expired one and one of another type', async () => {
    const genuine = await broker.sign({});
    const [head, body, signature] = genuine.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    claims.sub = 'someone-else@broker';
    const tampered = [head, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    assert.match((await problem(await bring(tampered), 400, 'invalid_visa', 'visa')).error, /signature does not verify/);
    const { privateKey: stranger } = await generateKeyPair('ES256');
    await problem(await bring(await broker.sign({ key: stranger })), 400, 'invalid_visa', 'visa');
    await problem(await bring(await broker.sign({ key: stranger, kid: 'unknown-key' })), 400, 'invalid_visa', 'visa');
    assert.match((await problem(await bring(await broker.sign({ exp: Math.floor(Date.now() / 1000) - 60 })), 400, 'invalid_visa')).error, /expired/);
    await problem(await bring(await broker.sign({ type: 'ControlledAccessGrants' })), 400, 'unsupported_visa_type', 'visa');
    await problem(await bring(await broker.sign({ typ: 'vnd.ga4gh.passport+jwt' })), 400, 'invalid_visa', 'visa');
    await problem(await bring('not-a-jwt'), 400, 'invalid_input', 'visa');
    assert.equal((await download()).status, 403);
  });

  it('accepts a valid visa, records its broker and source, and opens the download until the visa expires', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 3;
    const accepted = await expectJson<{ iss: string; source: string; type: string }>(await bring(await broker.sign({ exp: expiresAt })), 201);
    assert.deepEqual([accepted.iss, accepted.source, accepted.type], [broker.url, 'https://institute.example.org/so', 'ResearcherStatus']);
    const mine = await expectJson<{ iss: string; source: string; sub: string }[]>(await server.api('GET', '/api/me/visas', { token: rita }), 200);
    assert.deepEqual(mine.map((v) => [v.iss, v.sub, v.source]), [[broker.url, 'rita@broker', 'https://institute.example.org/so']]);
    assert.equal((await download()).status, 200);
    await server.flushAudit();
    const audit = await expectJson<{ records: { action: string; details: Record<string, unknown> }[] }>(await server.api('GET', '/api/admin/audit?action=passport.visa_accepted', { token: admin }), 200);
    assert.equal(audit.records.at(0)?.details.source, 'https://institute.example.org/so');
    // The gate caches its facts; a visa's expiry must end them like a grant's end does.
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 100));
    assert.equal((await download()).status, 403);
  });

  it('does not let the same broker identity credential a second account', async () => {
    await problem(await bring(await broker.sign({}), await server.createToken('mallory')), 409, 'visa_subject_linked', 'visa');
  });

  it('stops counting the visa as soon as the broker is no longer trusted', async () => {
    await expectJson(await bring(await broker.sign({})), 201);
    assert.equal((await download()).status, 200);
    assert.equal((await server.api('DELETE', `/api/admin/trusted-brokers/${brokerId}`, { token: admin })).status, 204);
    assert.equal((await download()).status, 403);
  });
});
