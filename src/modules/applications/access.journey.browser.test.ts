import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PROFILE, REFERENCE, referenceTokenOf, SUMMARY, waitForOutbox } from '../../../test/support/credentials.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { RESPONSIBLE_RESEARCH } from '../trainings/trainings.shipped.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const REPO = 'pub/clinical-lm';
const REASON = 'weights were posted on a public forum';

/**
 * The whole access journey in a real Chromium, each person in their own browser session:
 * a researcher is credentialed (their reference confirms, staff approve), passes the shipped
 * course, applies through the wizard, a committee of two approves, the researcher downloads with
 * a token, the publisher revokes the grant, and the next download is refused naming the reason.
 */
describe('the access journey in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pages: Record<string, Page> = {};
  const passwords: Record<string, string> = {};
  const consoleErrors: string[] = [];
  let applicationId = '';
  let ritaToken = '';

  async function open(name: string, signIn = true) {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    // A refused form answers 400 on purpose (the browser logs that); anything else is a fault.
    page.on('console', (m) => { if (m.type() === 'error' && !/status of 400/.test(m.text())) consoleErrors.push(`${name}: ${m.text()}`); });
    if (signIn) {
      await page.goto(`${server.url}/login`);
      await page.fill('#username', name);
      await page.fill('#password', passwords[name]!);
      await page.click('button:has-text("Sign in")');
      await page.waitForURL(`${server.url}/`);
    }
    pages[name] = page;
    return page;
  }

  before(async () => {
    server = await startTestServer();
    passwords.carol = (await server.createUser('carol', { platformRoles: ['credentialing'] })).password;
    for (const name of ['pub', 'rita', 'rev1', 'rev2']) passwords[name] = (await server.createUser(name)).password;
    const pub = await server.createToken('pub');
    await createRepo(server, pub, REPO, { accessLevel: 'reviewed' });
    await uploadFiles(server, pub, REPO, { 'README.md': '# Clinical LM\n\nFor credentialed, trained researchers.\n', 'weights.bin': Buffer.alloc(4096, 7) });
    const json = { requiresCredential: true, requiredTrainings: [RESPONSIBLE_RESEARCH.slug], minStatementLength: 60, grantDurationDays: 365, decisionRule: { kind: 'committee', required: 2, veto: true } };
    assert.equal((await server.api('PUT', `/api/models/${REPO}/access-policy`, { token: pub, json })).status, 200);
    for (const r of ['rev1', 'rev2']) assert.equal((await server.api('PUT', `/api/models/${REPO}/reviewers/${r}`, { token: pub })).status, 201);
    assert.equal((await server.api('PUT', `/api/models/${REPO}/agreement`, { token: pub, json: { title: 'Clinical data use', text: 'Research use only. Never try to identify a patient. Never share the weights.' } })).status, 201);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('gets the researcher credentialed: profile, application, the reference confirms, staff approve', async () => {
    const rita = await open('rita');
    await rita.goto(`${server.url}/settings/profile`);
    await rita.fill('#fullName', PROFILE.fullName);
    await rita.fill('#institution', PROFILE.institution);
    await rita.fill('#jobTitle', PROFILE.jobTitle);
    await rita.selectOption('select[name="category"]', PROFILE.category);
    await rita.selectOption('select[name="country"]', PROFILE.country);
    await rita.fill('#orcid', PROFILE.orcid);
    await rita.click('button:has-text("Save profile")');
    await rita.waitForURL(/saved=1/);
    await rita.goto(`${server.url}/settings/credential`);
    await rita.fill('[name="researchSummary"]', SUMMARY);
    await rita.fill('[name="reference.name"]', REFERENCE.name);
    await rita.fill('[name="reference.email"]', REFERENCE.email);
    await rita.fill('[name="reference.relationship"]', REFERENCE.relationship);
    await rita.click('button:has-text("Submit for review")');
    await rita.waitForURL(/done=submitted/);

    const token = referenceTokenOf((await waitForOutbox(server.dataDir, (m) => m.to.includes(REFERENCE.email)))[0]!);
    const reference = await open('reference', false);
    await reference.goto(`${server.url}/references/${token}`);
    await reference.check('input[name="response"][value="confirm"]');
    await reference.click('button:has-text("Send answer")');
    await reference.waitForSelector('text=is recorded');

    const carol = await open('carol');
    await carol.goto(`${server.url}/staff/credentials`);
    await carol.click('a[href^="/staff/credentials/"]');
    await carol.click('button:has-text("Mark identity checked")');
    await carol.waitForURL(/done=identity-check/);
    await carol.click('button:has-text("Approve")');
    await carol.waitForURL(/done=approve/);
    await rita.goto(`${server.url}/settings/credential`);
    assert.match((await rita.textContent('main')) ?? '', /approved/i);
  });

  it('passes the shipped course\'s quiz', async () => {
    const rita = pages.rita!;
    await rita.goto(`${server.url}/trainings/${RESPONSIBLE_RESEARCH.slug}/quiz`);
    for (const q of RESPONSIBLE_RESEARCH.questions) await rita.check(`input[name="answers.${q.id}"][value="${q.answer}"]`);
    await rita.click('button:has-text("Submit answers")');
    await rita.waitForSelector('text=/passed/i');
  });

  it('applies through the wizard: a short statement is refused beside the field, then the application is submitted', async () => {
    const rita = pages.rita!;
    await rita.goto(`${server.url}/${REPO}/apply`);
    assert.match((await rita.textContent('[data-testid="statement-step"]')) ?? '', /At least 60 characters/);
    assert.match((await rita.textContent('[data-testid="agreement-text"]')) ?? '', /Never try to identify a patient/);
    await rita.fill('textarea[name="purpose"]', 'Too short.');
    await rita.fill('[name="agreement.signedName"]', 'rita Example');
    await rita.click('button:has-text("Submit application")');
    assert.match((await rita.textContent('#purpose-error')) ?? '', /at least 60 characters/);
    await rita.fill('textarea[name="purpose"]', 'We measure how often clinical notes can be extracted from the model, and report aggregate rates only.');
    await rita.fill('[name="agreement.signedName"]', 'rita Example');
    await rita.click('button:has-text("Submit application")');
    await rita.waitForURL(`${server.url}/settings/access?done=apply`);
    const item = rita.locator('[data-testid="applications"] li[data-status="submitted"]');
    applicationId = (await item.getAttribute('data-application'))!;
    assert.match(applicationId, /^[0-9a-f-]{36}$/);
  });

  it('is approved by a committee of two, the first adding a special condition', async () => {
    for (const [name, conditions] of [['rev1', 'Run it only on the hospital cluster.'], ['rev2', '']] as const) {
      const page = await open(name);
      await page.goto(`${server.url}/review`);
      await page.click(`a[href="/review/${applicationId}"]`);
      assert.match((await page.textContent('[data-testid="applicant-facts"]')) ?? '', /credentialed since/);
      assert.match((await page.textContent('[data-testid="statement"]')) ?? '', /aggregate rates only/);
      await page.check('input[name="decision"][value="approve"]');
      if (conditions) await page.fill('textarea[name="conditions"]', conditions);
      await page.click('button:has-text("Cast vote")');
      await page.waitForURL(/done=vote/);
    }
    assert.match((await pages.rev2!.textContent('[data-testid="application-status"]')) ?? '', /approved/);
    const rita = pages.rita!;
    await rita.goto(`${server.url}/settings/access`);
    assert.equal(await rita.locator('[data-testid="grants"] tr[data-grant-state="active"]').count(), 1);
    assert.match((await rita.textContent('[data-testid="grants"]')) ?? '', /Run it only on the hospital cluster\./);
  });

  it('downloads the files with a token', async () => {
    ritaToken = await server.createToken('rita', 'read');
    const res = await fetch(`${server.url}/${REPO}/resolve/main/weights.bin`, { headers: { Authorization: `Bearer ${ritaToken}` } });
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), Buffer.alloc(4096, 7));
  });

  it('is refused the next download, naming the reason, once the publisher revokes the grant', async () => {
    const pub = await open('pub');
    await pub.goto(`${server.url}/${REPO}/settings/access`);
    await pub.fill('[data-testid="revoke"] input[name="user"]', 'rita');
    await pub.fill('[data-testid="revoke"] input[name="reason"]', REASON);
    await pub.click('button:has-text("Revoke access")');
    await pub.waitForURL(/saved=1/);
    const res = await fetch(`${server.url}/${REPO}/resolve/main/weights.bin`, { headers: { Authorization: `Bearer ${ritaToken}` } });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-error-code'), 'GatedRepo');
    assert.match(res.headers.get('x-error-message') ?? '', new RegExp(`revoked on \\d{4}-\\d{2}-\\d{2}\\. Reason: ${REASON}`));
    const rita = pages.rita!;
    await rita.goto(`${server.url}/settings/access`);
    assert.match((await rita.textContent('[data-testid="grants"] tr[data-grant-state="revoked"]')) ?? '', new RegExp(REASON));
  });

  it('raised no console errors, so nothing broke the content security policy', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
