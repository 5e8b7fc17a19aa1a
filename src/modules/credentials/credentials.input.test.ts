import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../app/config.ts';
import { expectJson, PROFILE, REFERENCE, SUMMARY, submit } from '../../../test/support/credentials.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';

interface Problem { code: string; field?: string; detail: string }

describe('bad credential input gets a clear 4xx that names the field, and changes nothing', () => {
  let server: TestServer;
  let token: string;
  const SUMMARY_MIN = 400;

  const problem = async (res: Response, status: number) => expectJson<Problem>(res, status);
  const putProfile = (json: unknown) => server.api('PUT', '/api/me/profile', { token, json });
  const putCredential = (json: unknown) => server.api('PUT', '/api/me/credential', { token, json });

  before(async () => {
    server = await startTestServer({ config: { credentialSummaryMin: SUMMARY_MIN } });
    await server.createUser('rita');
    token = await server.createToken('rita');
  });
  after(() => server.close());

  it('refuses an ORCID iD whose check character does not match, and one that is malformed', async () => {
    const checksum = await problem(await putProfile({ ...PROFILE, orcid: '0000-0002-1825-0098' }), 400);
    assert.equal(checksum.field, 'orcid');
    assert.match(checksum.detail, /checksum/);
    assert.equal((await problem(await putProfile({ ...PROFILE, orcid: '1234' }), 400)).field, 'orcid');
  });

  it('refuses an unknown country code, an unknown category and a web page that is not http(s)', async () => {
    const country = await problem(await putProfile({ ...PROFILE, country: 'XX' }), 400);
    assert.equal(country.field, 'country');
    assert.match(country.detail, /ISO 3166-1/);
    assert.equal((await problem(await putProfile({ ...PROFILE, country: 'EU' }), 400)).field, 'country');
    assert.equal((await problem(await putProfile({ ...PROFILE, category: 'wizard' }), 400)).field, 'category');
    assert.equal((await problem(await putProfile({ ...PROFILE, website: 'javascript:alert(1)' }), 400)).field, 'website');
    const profile = await expectJson<{ complete: boolean }>(await server.api('GET', '/api/me/profile', { token }), 200);
    assert.equal(profile.complete, false, 'nothing was saved');
  });

  it('accepts an ORCID address and a lowercase country, storing them normalised', async () => {
    const saved = await expectJson<{ orcid: string; country: string }>(await putProfile({ ...PROFILE, orcid: 'https://orcid.org/0000-0002-1694-233x', country: 'fr', website: '' }), 200);
    assert.equal(saved.orcid, '0000-0002-1694-233X');
    assert.equal(saved.country, 'FR');
  });

  it('refuses a reference email that is not an address, or is the applicant\'s own', async () => {
    const bad = await problem(await putCredential({ researchSummary: SUMMARY, reference: { ...REFERENCE, email: 'ruth at uni' } }), 400);
    assert.equal(bad.field, 'reference.email');
    const self = await problem(await putCredential({ researchSummary: SUMMARY, reference: { ...REFERENCE, email: 'RITA@example.org' } }), 400);
    assert.equal(self.field, 'reference.email');
    assert.equal((await expectJson<{ application: null }>(await server.api('GET', '/api/me/credential', { token }), 200)).application, null);
  });

  it('refuses submitting without a saved application', async () => {
    assert.equal((await problem(await submit(server, token), 404)).code, 'credential_application_not_found');
  });

  it('refuses a summary shorter than the configured minimum, saying how long it must be', async () => {
    await expectJson(await putCredential({ researchSummary: SUMMARY, reference: REFERENCE }), 201);
    const short = await problem(await submit(server, token), 400);
    assert.equal(short.code, 'application_incomplete');
    assert.equal(short.field, 'researchSummary');
    assert.match(short.detail, new RegExp(`at least ${SUMMARY_MIN} characters \\(now ${SUMMARY.length}\\)`));
  });

  it('refuses submitting with an incomplete profile, naming the missing profile field', async () => {
    await expectJson(await putCredential({ researchSummary: `${SUMMARY} ${SUMMARY}`, reference: REFERENCE }), 200);
    await expectJson(await putProfile({ ...PROFILE, jobTitle: '' }), 200);
    const incomplete = await problem(await submit(server, token), 400);
    assert.equal(incomplete.code, 'profile_incomplete');
    assert.equal(incomplete.field, 'profile.jobTitle');
  });

  it('refuses malformed JSON and a body of the wrong shape', async () => {
    const res = await server.api('PUT', '/api/me/credential', { token, body: '{"researchSummary":', headers: { 'Content-Type': 'application/json' } });
    assert.equal((await problem(res, 400)).code, 'invalid_json');
    assert.equal((await problem(await putCredential({ researchSummary: 42 }), 400)).field, 'researchSummary');
    assert.equal((await problem(await server.api('POST', `/api/references/${'A'.repeat(43)}`, { json: { response: 'maybe' } }), 400)).field, 'response');
  });

  it('reads the summary minimum and the mail settings from the environment, refusing a mail URL that is not SMTP', () => {
    const config = loadConfig({ AIRLOCK_CREDENTIAL_SUMMARY_MIN: '350', SMTP_URL: 'smtp://mail.example.org:587', AIRLOCK_MAIL_FROM: 'Airlock <noreply@example.org>' });
    assert.equal(config.credentialSummaryMin, 350);
    assert.equal(config.smtpUrl, 'smtp://mail.example.org:587');
    assert.equal(config.mailFrom, 'Airlock <noreply@example.org>');
    const defaults = loadConfig({});
    assert.deepEqual([defaults.credentialSummaryMin, defaults.smtpUrl, defaults.mailFrom], [200, undefined, 'airlock@localhost']);
    assert.throws(() => loadConfig({ SMTP_URL: 'https://mail.example.org' }), /smtpUrl/);
  });

  it('left the application a draft with only its creation recorded', async () => {
    const mine = await expectJson<{ application: { status: string; events: { action: string }[] } }>(await server.api('GET', '/api/me/credential', { token }), 200);
    assert.equal(mine.application.status, 'draft');
    assert.deepEqual(mine.application.events.map((e) => e.action), ['created']);
  });
});
