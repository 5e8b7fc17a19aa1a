import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { ManualClock } from '../../lib/clock.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { signIn } from '../../../test/support/web-client.ts';
import { expectJson, prepareApplication, REFERENCE, referenceTokenOf, staffStep, submit, waitForOutbox } from '../../../test/support/credentials.ts';

type Visa = { header: ReturnType<typeof decodeProtectedHeader>; payload: JWTPayload & { ga4gh_visa_v1: Record<string, unknown> } };

describe('Airlock issues GA4GH passports whose visas verify against its published JWKS', () => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  let lab: string;
  let rita: string;
  let staff: string;
  let keys: ReturnType<typeof createRemoteJWKSet>;

  /** Fetches the passport and verifies it and every visa in it with jose against the JWKS. */
  async function passport(): Promise<{ payload: JWTPayload & { ga4gh_passport_v1: string[] }; header: ReturnType<typeof decodeProtectedHeader>; visas: Visa[] }> {
    const res = await server.api('GET', '/ga4gh/passport/v1', { token: rita });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'application/vnd.ga4gh.passport+jwt');
    const jwt = await res.text();
    const { payload, protectedHeader } = await jwtVerify(jwt, keys, { issuer: server.url, currentDate: clock.now(), typ: 'vnd.ga4gh.passport+jwt' });
    const visas: Visa[] = [];
    for (const visaJwt of payload.ga4gh_passport_v1 as string[]) {
      const verified = await jwtVerify(visaJwt, keys, { issuer: server.url, currentDate: clock.now(), typ: 'vnd.ga4gh.visa+jwt' });
      visas.push({ header: verified.protectedHeader, payload: verified.payload as Visa['payload'] });
    }
    return { payload: payload as JWTPayload & { ga4gh_passport_v1: string[] }, header: protectedHeader, visas };
  }
  const ofType = (visas: Visa[], type: string) => visas.filter((v) => v.payload.ga4gh_visa_v1.type === type);

  before(async () => {
    server = await startTestServer({ clock });
    await server.createUser('lab');
    await server.createUser('rita');
    await server.createUser('carol', { platformRoles: ['credentialing'] });
    lab = await server.createToken('lab');
    rita = await server.createToken('rita', 'read');
    staff = await server.createToken('carol');
    for (const name of ['lab/model', 'lab/short']) {
      await createRepo(server, lab, name, { accessLevel: 'reviewed' });
      await uploadFiles(server, lab, name, { 'weights.bin': Buffer.alloc(100, 3) });
    }
    keys = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
  });
  after(() => server.close());

  it('publishes an ES256 key set at /.well-known/jwks.json without any private part', async () => {
    const set = await expectJson<{ keys: Record<string, string>[] }>(await server.api('GET', '/.well-known/jwks.json'), 200);
    assert.equal(set.keys.length, 1);
    assert.deepEqual([set.keys[0]!.kty, set.keys[0]!.crv, set.keys[0]!.alg, set.keys[0]!.use], ['EC', 'P-256', 'ES256', 'sig']);
    assert.equal(set.keys[0]!.d, undefined);
    assert.ok(set.keys[0]!.kid);
  });

  it('refuses a passport to a caller who is not signed in, and gives one to a browser session', async () => {
    assert.equal((await server.api('GET', '/ga4gh/passport/v1')).status, 401);
    const lena = await server.createUser('lena');
    const cookie = await signIn(server, 'lena', lena.password);
    const res = await server.api('GET', '/ga4gh/passport/v1', { headers: { cookie } });
    assert.equal(res.status, 200);
    const { payload } = await jwtVerify(await res.text(), keys, { issuer: server.url, currentDate: clock.now(), typ: 'vnd.ga4gh.passport+jwt' });
    assert.equal(payload.sub, lena.id);
  });

  it('gives a user with nothing granted a signed passport with no visas', async () => {
    const { payload, header } = await passport();
    assert.deepEqual(payload.ga4gh_passport_v1, []);
    assert.equal(header.alg, 'ES256');
    assert.equal(header.jku, `${server.url}/.well-known/jwks.json`);
    assert.ok(payload.jti && payload.sub && payload.iat && payload.exp);
  });

  it('carries one ControlledAccessGrants visa per active grant, by the DAC, ending no later than the grant', async () => {
    await expectJson(await server.api('POST', '/api/models/lab/model/grants', { token: lab, json: { user: 'rita' } }), 201);
    const shortEnd = new Date(clock.now().getTime() + 10 * 60_000);
    await expectJson(await server.api('POST', '/api/models/lab/short/grants', { token: lab, json: { user: 'rita', until: shortEnd.toISOString() } }), 201);
    const { visas } = await passport();
    const grants = ofType(visas, 'ControlledAccessGrants');
    assert.deepEqual(grants.map((v) => v.payload.ga4gh_visa_v1.value).sort(), [`${server.url}/lab/model`, `${server.url}/lab/short`]);
    for (const visa of grants) {
      // Field names exactly as GA4GH Passport v1.2 names them.
      assert.deepEqual(Object.keys(visa.payload.ga4gh_visa_v1).sort(), ['asserted', 'by', 'source', 'type', 'value']);
      assert.equal(visa.payload.ga4gh_visa_v1.by, 'dac');
      assert.equal(visa.payload.ga4gh_visa_v1.source, server.url);
      assert.equal(visa.payload.ga4gh_visa_v1.asserted, Math.floor(clock.now().getTime() / 1000));
      assert.deepEqual([visa.header.typ, visa.header.alg, visa.header.jku], ['vnd.ga4gh.visa+jwt', 'ES256', `${server.url}/.well-known/jwks.json`]);
      assert.ok(visa.header.kid && visa.payload.jti && visa.payload.sub);
    }
    const short = grants.find((v) => v.payload.ga4gh_visa_v1.value === `${server.url}/lab/short`)!;
    assert.equal(short.payload.exp, Math.floor(shortEnd.getTime() / 1000));
    assert.ok(grants.every((v) => v.payload.exp! <= Math.floor(clock.now().getTime() / 1000) + 3600));
    assert.notEqual(grants[0]!.payload.jti, grants[1]!.payload.jti);
  });

  it('leaves out a grant that has ended, and one that was revoked', async () => {
    clock.advance(11 * 60_000);
    assert.deepEqual(ofType((await passport()).visas, 'ControlledAccessGrants').map((v) => v.payload.ga4gh_visa_v1.value), [`${server.url}/lab/model`]);
    await expectJson(await server.api('POST', '/api/models/lab/model/grants/revoke', { token: lab, json: { user: 'rita', reason: 'Study over.' } }), 200);
    assert.deepEqual(ofType((await passport()).visas, 'ControlledAccessGrants'), []);
  });

  it('carries an AcceptedTermsAndPolicies visa, by self, for each signed agreement', async () => {
    const agreement = await expectJson<{ id: string }>(await server.api('PUT', '/api/models/lab/model/agreement', { token: lab, json: { title: 'Lab terms', text: 'Research use only; never redistribute the weights.' } }), 201);
    const ritaWrite = await server.createToken('rita');
    await expectJson(await server.api('POST', `/api/agreements/${agreement.id}/signatures`, { token: ritaWrite, json: { version: 1, signedName: 'rita Example' } }), 201);
    const [visa, ...rest] = ofType((await passport()).visas, 'AcceptedTermsAndPolicies');
    assert.equal(rest.length, 0);
    assert.equal(visa!.payload.ga4gh_visa_v1.by, 'self');
    assert.equal(visa!.payload.ga4gh_visa_v1.value, `${server.url}/api/models/lab/model/agreement?version=1`);
  });

  it('carries a ResearcherStatus visa, by the signing official, once the credential is approved', async () => {
    assert.deepEqual(ofType((await passport()).visas, 'ResearcherStatus'), []);
    const ritaWrite = await server.createToken('rita');
    const application = await prepareApplication(server, ritaWrite);
    await expectJson(await submit(server, ritaWrite), 200);
    const [mail] = await waitForOutbox(server.dataDir, (m) => m.to.includes(REFERENCE.email));
    await expectJson(await server.api('POST', `/api/references/${referenceTokenOf(mail!)}`, { json: { response: 'confirm' } }), 200);
    await expectJson(await staffStep(server, staff, application.id, 'identity-check', {}), 200);
    await expectJson(await staffStep(server, staff, application.id, 'approve', {}), 200);
    const [visa] = ofType((await passport()).visas, 'ResearcherStatus');
    assert.equal(visa!.payload.ga4gh_visa_v1.by, 'so');
    assert.equal(visa!.payload.ga4gh_visa_v1.value, 'https://doi.org/10.1038/s41431-018-0219-y');
  });

  it('yields visas that fail verification once a single claim is altered', async () => {
    const { payload } = await passport();
    const [head, body, signature] = payload.ga4gh_passport_v1[0]!.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    claims.ga4gh_visa_v1.value = `${server.url}/lab/other`;
    const tampered = [head, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    await assert.rejects(jwtVerify(tampered, keys, { currentDate: clock.now() }), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });
});
