import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applicationApi, json, STATEMENT, type Application } from '../../../test/support/applications.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, postForm, signIn } from '../../../test/support/web-client.ts';

const REPO = 'pub/terms-lm';

describe('access pages over plain HTTP: wizard, my access, review, publisher settings, platform conditions', () => {
  let server: TestServer;
  const cookie: Record<string, string> = {};
  const t: Record<string, string> = {};

  before(async () => {
    server = await startTestServer();
    const users = { operator: await server.createUser('operator', { platformRoles: ['admin'] }), pub: await server.createUser('pub'), rita: await server.createUser('rita'), rev: await server.createUser('rev') };
    for (const [name, u] of Object.entries(users)) {
      cookie[name] = await signIn(server, name, u.password);
      t[name] = await server.createToken(name);
    }
    await createRepo(server, t.pub!, REPO, { accessLevel: 'agreement' });
    await uploadFiles(server, t.pub!, REPO, { 'README.md': '# Terms LM\n', 'weights.bin': 'weights' });
    await json(await server.api('PUT', `/api/models/${REPO}/agreement`, { token: t.pub!, json: { title: 'Research use', text: 'Use the model for research only; never redistribute the weights.' } }), 201);
  });
  after(() => server.close());

  it('lets a platform admin add a condition from the admin page, and refuses everyone else', async () => {
    assert.equal((await getPage(server, '/admin/conditions', { cookie: cookie.rita })).status, 403);
    const short = await postForm(server, '/admin/conditions', { text: 'no' }, { cookie: cookie.operator });
    assert.equal(short.status, 400);
    assert.match(await short.text(), /<small class="field-error" id="text-error">Write the condition as a sentence/);
    const added = await postForm(server, '/admin/conditions', { text: 'Do not attempt to re-identify anyone.' }, { cookie: cookie.operator });
    assert.equal(added.status, 303);
    assert.equal((await postForm(server, '/admin/conditions', { text: 'Another platform condition.' }, { cookie: cookie.rita })).status, 403);
  });

  it('lets the publisher edit the policy, design the form and name the committee, with errors beside the field', async () => {
    assert.equal((await getPage(server, `/${REPO}/settings/access`, { cookie: cookie.rita })).status, 403);
    const base = `/${REPO}/settings/access`;
    const bad = await postForm(server, base, { minStatementLength: '-3', rule: 'single', conditions: '' }, { cookie: cookie.pub });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /id="minStatementLength-error"/);
    assert.equal((await postForm(server, base, { minStatementLength: '40', grantDurationDays: '90', rule: 'single', conditions: 'Cite the model card in publications.' }, { cookie: cookie.pub })).status, 303);
    const noOptions = await postForm(server, `${base}/fields`, { 'field.label': 'Use', 'field.name': 'use', 'field.type': 'select' }, { cookie: cookie.pub });
    assert.equal(noOptions.status, 400);
    assert.match(await noOptions.text(), /id="field.options-error"/);
    assert.equal((await postForm(server, `${base}/fields`, { 'field.label': 'Affiliation', 'field.name': 'affiliation', 'field.type': 'text' }, { cookie: cookie.pub })).status, 303);
    assert.equal((await postForm(server, `${base}/reviewers`, { username: 'rev' }, { cookie: cookie.pub })).status, 303);
    const policy = await json<{ minStatementLength: number; conditions: string[]; formFields: { name: string }[] }>(await server.api('GET', `/api/models/${REPO}/access-policy`), 200);
    assert.deepEqual([policy.minStatementLength, policy.conditions, policy.formFields.map((f) => f.name)], [40, ['Cite the model card in publications.'], ['affiliation']]);
    assert.deepEqual((await json<{ username: string }[]>(await server.api('GET', `/api/models/${REPO}/reviewers`), 200)).map((r) => r.username), ['rev']);
  });

  it('shows the conditions under their source on the repository page and in the wizard, with the minimum length and the agreement', async () => {
    const repoPage = await (await getPage(server, `/${REPO}`, { cookie: cookie.rita })).text();
    assert.match(repoPage, /<div data-source="platform"><h3>Platform conditions[^<]*<\/h3><ul><li>Do not attempt to re-identify anyone\.<\/li>/);
    assert.match(repoPage, /<div data-source="publisher"><h3>Publisher conditions[^<]*<\/h3><ul><li>Cite the model card in publications\.<\/li>/);
    const wizard = await (await getPage(server, `/${REPO}/apply`, { cookie: cookie.rita })).text();
    assert.match(wizard, /At least 40 characters\./);
    assert.match(wizard, /Use the model for research only/);
    assert.match(wizard, /name="fields.affiliation"/);
  });

  it('sends anonymous visitors to sign in, and refuses a wizard posted from another site', async () => {
    for (const path of [`/${REPO}/apply`, '/settings/access', '/settings/signatures', '/review']) {
      const res = await getPage(server, path);
      assert.equal(res.status, 303, path);
      assert.match(res.headers.get('location') ?? '', /^\/login\?next=/);
    }
    const forged = await postForm(server, `/${REPO}/apply`, { purpose: STATEMENT, 'fields.affiliation': 'Uni', 'agreement.version': '1', 'agreement.signedName': 'rita Example' }, { cookie: cookie.rita, origin: 'https://evil.example' });
    assert.equal(forged.status, 403);
    assert.deepEqual(await applicationApi(server, REPO).mine(t.rita!), [], 'nothing was applied for');
  });

  it('keeps a wizard with a short statement and a wrong name on the form, then grants access at once', async () => {
    const short = await postForm(server, `/${REPO}/apply`, { 'fields.affiliation': 'Uni', purpose: 'too short', 'agreement.version': '1', 'agreement.signedName': 'rita Example' }, { cookie: cookie.rita });
    assert.equal(short.status, 400);
    const html = await short.text();
    assert.match(html, /id="purpose-error">Describe your research in at least 40 characters/);
    assert.match(html, /too short<\/textarea>/, 'what was typed is shown again');
    const wrongName = await postForm(server, `/${REPO}/apply`, { 'fields.affiliation': 'Uni', purpose: STATEMENT, 'agreement.version': '1', 'agreement.signedName': 'Someone Else' }, { cookie: cookie.rita });
    assert.equal(wrongName.status, 400);
    assert.match(await wrongName.text(), /id="agreement.signedName-error"/);
    const done = await postForm(server, `/${REPO}/apply`, { 'fields.affiliation': 'Uni', purpose: STATEMENT, 'agreement.version': '1', 'agreement.signedName': 'rita Example' }, { cookie: cookie.rita });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), '/settings/access?done=apply');
    assert.equal((await server.api('GET', `/${REPO}/resolve/main/weights.bin`, { token: t.rita! })).status, 200);
  });

  it('lists the grant with its end and a renew button on "my access", and the signature on "my signatures"', async () => {
    const mine = await (await getPage(server, '/settings/access', { cookie: cookie.rita })).text();
    assert.match(mine, /<tr data-grant-state="active"><td><a href="\/pub\/terms-lm">pub\/terms-lm<\/a><\/td><td>Active<\/td><td>\d{4}-\d{2}-\d{2}<\/td><td>\d{4}-\d{2}-\d{2}<\/td>/);
    assert.match(mine, /href="\/pub\/terms-lm\/apply\?renew=1">Renew<\/a>/);
    assert.match(mine, /<div data-source="platform"><h3>Platform conditions[^<]*<\/h3><ul><li>Do not attempt to re-identify anyone\.<\/li>/);
    assert.match(mine, /<div data-source="publisher"><h3>Publisher conditions[^<]*<\/h3><ul><li>Cite the model card in publications\.<\/li>/);
    const signatures = await (await getPage(server, '/settings/signatures', { cookie: cookie.rita })).text();
    assert.match(signatures, /<td>Research use<\/td><td>pub\/terms-lm<\/td><td>1<\/td><td>rita Example<\/td>/);
  });

  it('shows a reviewer the queue and the application, and keeps a rejection without a reason on the form', async () => {
    const repo2 = 'pub/reviewed-lm';
    await createRepo(server, t.pub!, repo2, { accessLevel: 'reviewed' });
    await json(await applicationApi(server, repo2).addReviewer(t.pub!, 'rev'), 201);
    const app = await json<Application>(await applicationApi(server, repo2).apply(t.rita!, { purpose: STATEMENT }), 201);
    const queue = await (await getPage(server, '/review', { cookie: cookie.rev })).text();
    assert.match(queue, new RegExp(`<a href="/review/${app.id}">pub/reviewed-lm</a>`));
    const own = await getPage(server, `/review/${app.id}`, { cookie: cookie.rita });
    assert.equal(own.status, 403);
    assert.match(await own.text(), /Nobody reviews their own application/);
    const page = await (await getPage(server, `/review/${app.id}`, { cookie: cookie.rev })).text();
    assert.match(page, /data-testid="statement">We study memorisation/);
    const noReason = await postForm(server, `/review/${app.id}/vote`, { decision: 'reject', comment: '' }, { cookie: cookie.rev });
    assert.equal(noReason.status, 400);
    assert.match(await noReason.text(), /id="comment-error">Explain the rejection/);
    assert.equal((await postForm(server, `/review/${app.id}/vote`, { decision: 'approve', conditions: 'Use only on the hospital cluster.' }, { cookie: cookie.rev })).status, 303);
    const status = await json<{ conditions: { source: string; text?: string }[] }>(await server.api('GET', `/api/models/${repo2}/access`, { token: t.rita! }), 200);
    assert.ok(status.conditions.some((c) => c.source === 'committee' && c.text === 'Use only on the hospital cluster.'));
  });
  it('lets the applicant change a returned application on "my access" and submit it again, with the error beside the statement', async () => {
    const repo3 = 'pub/returned-lm';
    await createRepo(server, t.pub!, repo3, { accessLevel: 'reviewed' });
    const api3 = applicationApi(server, repo3);
    await json(await api3.setPolicy(t.pub!, { minStatementLength: 80 }), 200);
    await json(await api3.addReviewer(t.pub!, 'rev'), 201);
    const app = await json<Application>(await api3.apply(t.rita!, { purpose: `${STATEMENT}` }), 201);
    await json(await api3.vote(t.rev!, app.id, 'return', 'Say which hospital the notes come from.'), 201);
    const mine = await (await getPage(server, '/settings/access', { cookie: cookie.rita })).text();
    assert.match(mine, /What to change: Say which hospital the notes come from\./);
    const short = await postForm(server, `/settings/access/${app.id}/resubmit`, { purpose: 'Charité notes.' }, { cookie: cookie.rita });
    assert.equal(short.status, 400);
    assert.match(await short.text(), /<small class="field-error" id="purpose-[0-9a-f-]+-error">Describe your research in at least 80 characters/);
    assert.equal((await json<Application>(await api3.get(t.rita!, app.id), 200)).status, 'returned');
    const again = await postForm(server, `/settings/access/${app.id}/resubmit`, { purpose: `${STATEMENT} The notes come from the Charité.` }, { cookie: cookie.rita });
    assert.equal(again.status, 303);
    assert.equal((await json<Application>(await api3.get(t.rita!, app.id), 200)).status, 'submitted');
    assert.equal((await postForm(server, `/settings/access/${app.id}/resubmit`, { purpose: 'x' }, { cookie: cookie.rev })).status, 404, 'nobody else acts on it');
  });
  it('saves a draft from the wizard without checking or signing, fills it in again, and submits it with the signature', async () => {
    const repo4 = 'pub/draft-lm';
    await createRepo(server, t.pub!, repo4, { accessLevel: 'agreement' });
    await uploadFiles(server, t.pub!, repo4, { 'README.md': '---\nextra_gated_fields:\n  Affiliation: text\n---\n# Draft LM\n', 'weights.bin': 'weights' });
    await json(await server.api('PUT', `/api/models/${repo4}/agreement`, { token: t.pub!, json: { title: 'Draft terms', text: 'Research use only; never redistribute the weights.' } }), 201);
    const saved = await postForm(server, `/${repo4}/apply`, { purpose: 'half a thought', 'agreement.version': '1', 'agreement.signedName': '', intent: 'draft' }, { cookie: cookie.rita });
    assert.equal(saved.status, 303);
    assert.equal(saved.headers.get('location'), `/${repo4}/apply?saved=1`);
    const again = await (await getPage(server, `/${repo4}/apply?saved=1`, { cookie: cookie.rita })).text();
    assert.match(again, /Draft saved\. Nothing is submitted or signed/);
    assert.match(again, /half a thought<\/textarea>/);
    assert.equal((await json<{ version: number }[]>(await server.api('GET', '/api/me/signatures', { token: t.rita! }), 200)).filter((x) => x.version === 1).length, 1, 'only the earlier repository\'s signature');
    const missing = await postForm(server, `/${repo4}/apply`, { purpose: STATEMENT, 'fields.affiliation': '', 'agreement.version': '1', 'agreement.signedName': 'rita Example', intent: 'submit' }, { cookie: cookie.rita });
    assert.equal(missing.status, 400);
    assert.match(await missing.text(), /id="fields.affiliation-error">&quot;Affiliation&quot; is required/);
    const done = await postForm(server, `/${repo4}/apply`, { purpose: STATEMENT, 'fields.affiliation': 'Uni', 'agreement.version': '1', 'agreement.signedName': 'rita Example', intent: 'submit' }, { cookie: cookie.rita });
    assert.equal(done.status, 303);
    const mine = await applicationApi(server, repo4).mine(t.rita!);
    const drafted = mine.find((a) => a.fields.affiliation === 'Uni')!;
    assert.deepEqual(drafted.events.map((e) => e.action), ['drafted', 'submitted', 'approved']);
    assert.equal((await server.api('GET', `/${repo4}/resolve/main/weights.bin`, { token: t.rita! })).status, 200);
  });

  it('keeps a draft made through the API a draft until it is submitted with a valid signature', async () => {
    const repo4 = 'pub/draft-lm';
    const api4 = applicationApi(server, repo4);
    const draft = await json<Application>(await api4.apply(t.rev!, { draft: true, purpose: 'later' }), 201);
    assert.equal(draft.status, 'draft');
    await json(await api4.edit(t.rev!, draft.id, { purpose: STATEMENT, fields: { affiliation: 'Institute' } }), 200);
    const unsigned = await server.api('POST', `/api/access-requests/${draft.id}/submit`, { token: t.rev!, json: {} });
    assert.equal(unsigned.status, 400);
    assert.equal(((await unsigned.json()) as { field: string }).field, 'agreement.version');
    assert.equal((await json<Application>(await api4.get(t.rev!, draft.id), 200)).status, 'draft');
    const submitted = await json<Application>(await server.api('POST', `/api/access-requests/${draft.id}/submit`, { token: t.rev!, json: { agreement: { version: 1, signedName: 'rev Example' } } }), 200);
    assert.equal(submitted.status, 'approved');
  });
  it('lets the publisher revoke from the settings page, and the repository page tells the user why', async () => {
    const base = `/${REPO}/settings/access`;
    const noReason = await postForm(server, `${base}/revoke`, { user: 'rita', reason: '', blockReapplication: 'yes' }, { cookie: cookie.pub });
    assert.equal(noReason.status, 400);
    assert.match(await noReason.text(), /id="reason-error">Give the reason when you bar the user/);
    assert.equal((await postForm(server, `${base}/revoke`, { user: 'rita', reason: 'broke the terms', blockReapplication: 'yes' }, { cookie: cookie.pub })).status, 303);
    const page = await (await getPage(server, `/${REPO}`, { cookie: cookie.rita })).text();
    assert.match(page, /<div class="notice error" data-testid="revoked"><p>Your access was revoked on [^<]+\. Reason: broke the terms<\/p><p>You may not apply again\.<\/p>/);
    assert.doesNotMatch(page, /href="\/pub\/terms-lm\/resolve\//, 'no download links');
  });
});
