import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.ts';
import { applicationApi, json, problem, STATEMENT, type Application } from '../../../test/support/applications.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const REPO = 'pub/consent-lm';
const TEXT = 'You will use the model for research only and never redistribute the weights.';
const CARD = `---
license: other
extra_gated_fields:
  Affiliation: text
  I agree to use this model for non-commercial use ONLY: checkbox
---
# Consent LM
`;

describe('access applications at the agreement level: form from the card, signature inside the application', () => {
  let server: TestServer;
  let api: ReturnType<typeof applicationApi>;
  const t: Record<string, string> = {};
  const fields = { affiliation: 'University of Testing', i_agree_to_use_this_model_for_non_commercial_use_only: true };
  const signatures = async (token: string) => json<{ version: number }[]>(await server.api('GET', '/api/me/signatures', { token }), 200);
  const download = (token: string) => server.api('GET', `/${REPO}/resolve/main/weights.bin`, { token });

  before(async () => {
    server = await startTestServer({ clock: new ManualClock(new Date('2030-02-01T12:00:00Z')) });
    for (const name of ['pub', 'rita']) {
      await server.createUser(name);
      t[name] = await server.createToken(name);
    }
    await createRepo(server, t.pub!, REPO, { accessLevel: 'agreement' });
    await uploadFiles(server, t.pub!, REPO, { 'README.md': CARD, 'weights.bin': 'weights' });
    await json(await server.api('PUT', `/api/models/${REPO}/agreement`, { token: t.pub!, json: { title: 'Research use', text: TEXT } }), 201);
    api = applicationApi(server, REPO);
  });
  after(() => server.close());

  it('takes the form from the card\'s extra_gated_fields', async () => {
    const policy = await json<{ form: { source: string; fields: { name: string; type: string }[] } }>(await api.policy(), 200);
    assert.equal(policy.form.source, 'card');
    assert.deepEqual(policy.form.fields.map((f) => [f.name, f.type]), [['affiliation', 'text'], ['i_agree_to_use_this_model_for_non_commercial_use_only', 'checkbox']]);
  });

  it('refuses an application without a valid signature of the current version, and stores neither', async () => {
    await problem(await api.apply(t.rita!, { purpose: STATEMENT, fields: { affiliation: 'Uni' } }), 400, 'invalid_field', 'fields.i_agree_to_use_this_model_for_non_commercial_use_only');
    await problem(await api.apply(t.rita!, { purpose: STATEMENT, fields }), 400, 'agreement_required', 'agreement.version');
    await problem(await api.apply(t.rita!, { purpose: STATEMENT, fields, agreement: { version: 2, signedName: 'rita Example' } }), 409, 'agreement_version_outdated', 'agreement.version');
    await problem(await api.apply(t.rita!, { purpose: STATEMENT, fields, agreement: { version: 1, signedName: 'Someone Else' } }), 400, 'signed_name_mismatch', 'agreement.signedName');
    await problem(await api.apply(t.rita!, { purpose: STATEMENT, fields, agreement: { version: 'one', signedName: 'rita Example' } }), 400, 'invalid_input', 'agreement.version');
    assert.deepEqual(await signatures(t.rita!), []);
    assert.deepEqual(await api.mine(t.rita!), []);
  });

  it('requires credentialed status when the policy says so, naming where to apply', async () => {
    await json(await api.setPolicy(t.pub!, { requiresCredential: true }), 200);
    const refused = await problem(await api.apply(t.rita!, { purpose: STATEMENT, fields, agreement: { version: 1, signedName: 'rita Example' } }), 403, 'credential_required');
    assert.match(refused.error, new RegExp(`${server.url}/settings/credential`));
    assert.deepEqual(await signatures(t.rita!), []);
    await json(await api.setPolicy(t.pub!, { requiresCredential: false }), 200);
  });

  it('signs the agreement and approves at once, with a grant (a system approval)', async () => {
    const app = await json<Application>(await api.apply(t.rita!, { purpose: STATEMENT, fields, agreement: { version: 1, signedName: 'rita Example' } }), 201);
    assert.equal(app.status, 'approved');
    assert.equal(app.agreement?.version, 1);
    assert.deepEqual(app.events.map((e) => [e.action, e.by]), [['submitted', 'applicant'], ['approved', 'system']]);
    assert.deepEqual((await signatures(t.rita!)).map((s) => s.version), [1]);
    assert.equal((await download(t.rita!)).status, 200);
    // Asking again while access is held changes nothing.
    const again = await json<Application>(await api.apply(t.rita!, { purpose: STATEMENT, fields, agreement: { version: 1, signedName: 'rita Example' } }), 200);
    assert.equal(again.id, app.id);
  });

  it('signs a new version when a holder applies again with it, so downloads continue', async () => {
    await json(await server.api('PUT', `/api/models/${REPO}/agreement`, { token: t.pub!, json: { title: 'Research use', text: `${TEXT} Report misuse within a week.` } }), 201);
    assert.equal((await download(t.rita!)).status, 403);
    const again = await json<Application>(await api.apply(t.rita!, { purpose: STATEMENT, fields, agreement: { version: 2, signedName: 'rita Example' } }), 200);
    assert.equal(again.status, 'approved');
    assert.deepEqual((await signatures(t.rita!)).map((s) => s.version).sort(), [1, 2]);
    assert.equal((await download(t.rita!)).status, 200);
  });
});
