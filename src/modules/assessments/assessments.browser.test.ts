import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * The release review in a real Chromium: a publisher submits a risk–benefit assessment through the
 * form, a moderator requires `reviewed`, and the repository and its transparency page show it.
 */
describe('release review in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let publisher: Page;
  let moderator: Page;
  const consoleErrors: string[] = [];
  const passwords: Record<string, string> = {};

  async function signIn(page: Page, username: string) {
    await page.goto(`${server.url}/login`);
    await page.fill('#username', username);
    await page.fill('#password', passwords[username]!);
    await page.click('button:has-text("Sign in")');
    await page.waitForURL(`${server.url}/`);
  }

  before(async () => {
    server = await startTestServer();
    passwords.alice = (await server.createUser('alice')).password;
    passwords.mod = (await server.createUser('mod', { platformRoles: ['moderator'] })).password;
    const token = await server.createToken('alice');
    await createRepo(server, token, 'alice/toxic-lm');
    await uploadFiles(server, token, 'alice/toxic-lm', { 'README.md': '---\nlicense: mit\nintended_use: Detector research\n---\n# Toxic LM\n' });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    publisher = await (await browser.newContext()).newPage();
    moderator = await (await browser.newContext()).newPage();
    for (const page of [publisher, moderator]) {
      page.setDefaultTimeout(30_000);
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(`${message.text()} ${message.location().url}`);
      });
    }
    await signIn(publisher, 'alice');
    await signIn(moderator, 'mod');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the publisher fills in the assessment and submits it for review', async () => {
    await publisher.goto(`${server.url}/alice/toxic-lm`);
    assert.match((await publisher.textContent('.facts')) ?? '', /Intended use\s*Detector research/);
    await publisher.click('[data-testid="repo-links"] a:has-text("Risk–benefit assessment")');
    await publisher.fill('[name="intendedUses"]', 'Building detectors of toxic language.');
    await publisher.fill('[name="intendedUsers"]', 'Trust-and-safety researchers.');
    await publisher.fill('[name="misuses.0.description"]', 'Automated harassment');
    await publisher.fill('[name="misuses.0.harmedGroups"]', 'People targeted online');
    await publisher.selectOption('[name="misuses.0.likelihood"]', '4');
    await publisher.selectOption('[name="misuses.0.severity"]', '5');
    await publisher.fill('[name="nonConsentingPeople"]', 'Forum posters whose messages were scraped.');
    await publisher.fill('[name="mitigations"]', 'Signed conditions.');
    await publisher.fill('[name="benefits"]', 'Better moderation tools.');
    await publisher.fill('[name="outputRecognition"]', 'A released classifier.');
    await publisher.selectOption('[name="accessLevel"]', 'agreement');
    await publisher.fill('[name="accessLevelArgument"]', 'Researchers accept the conditions.');
    await publisher.fill('[name="publicSummary"]', 'Released to researchers under signed conditions.');
    await publisher.click('button:has-text("Submit for review")');
    await publisher.waitForURL(`${server.url}/alice/toxic-lm/assessment?done=submitted`);
    assert.match((await publisher.textContent('[data-testid="assessment-versions"]')) ?? '', /Version 1: Submitted, awaiting a release reviewer/);
  });

  it('the moderator requires the reviewed level with a rationale', async () => {
    await moderator.goto(`${server.url}/alice/toxic-lm/assessment`);
    await moderator.click('summary:has-text("Full assessment")');
    assert.match((await moderator.textContent('dl.assessment')) ?? '', /Automated harassment.*20 \(critical\)/s);
    await moderator.selectOption('#decision', 'require-stricter');
    await moderator.selectOption('#requiredLevel', 'reviewed');
    await moderator.fill('[data-testid="decision-form"] [name="rationale"]', 'Harassment risk is critical: each use must be reviewed.');
    await moderator.click('button:has-text("Record the decision")');
    await moderator.waitForURL(`${server.url}/alice/toxic-lm/assessment?done=decided`);
    assert.match((await moderator.textContent('[data-testid="assessment-versions"]')) ?? '', /Stricter level required.*requiring Reviewed/s);
  });

  it('the repository is now reviewed and the transparency page shows the rationale and summary', async () => {
    await publisher.goto(`${server.url}/alice/toxic-lm`);
    assert.equal(await publisher.textContent('[data-testid="access-panel"] h2'), 'Access: Reviewed');
    await publisher.click('[data-testid="repo-links"] a:has-text("Transparency")');
    assert.equal(await publisher.textContent('[data-testid="rationale"]'), 'Harassment risk is critical: each use must be reviewed.');
    assert.equal(await publisher.textContent('[data-testid="public-summary"]'), 'Released to researchers under signed conditions.');
    assert.match((await publisher.textContent('[data-testid="level-history"]')) ?? '', /Open\s*Reviewed\s*mod\s*platform/);
  });

  it('raised no console errors, so nothing broke the content security policy', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
