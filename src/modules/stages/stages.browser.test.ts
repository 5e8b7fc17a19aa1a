import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { downloadFile } from '@huggingface/hub';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generatedBytes } from '../../../test/support/generated-file.ts';
import { caught } from '../../../test/support/hub-client.ts';
import { COMPLETE } from '../../../test/support/assessments.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const REPO = 'lab/staged-browser-lm';

/** A publisher schedules an embargoed stage in a real Chromium; the embargo holds for a Hugging Face client. */
describe('staged release in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let bob: string;
  const consoleErrors: string[] = [];
  const embargo = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

  before(async () => {
    server = await startTestServer();
    const { password } = await server.createUser('lab');
    await server.createUser('bob');
    const owner = await server.createToken('lab');
    bob = await server.createToken('bob', 'read');
    await createRepo(server, owner, REPO, { accessLevel: 'open' });
    await uploadFiles(server, owner, REPO, { 'README.md': '# Staged\n', 'small/model.safetensors': generatedBytes('s', 512), 'full/model.safetensors': generatedBytes('f', 2048) });
    // The release rule: a stage at `reviewed` on an open repository needs an assessment arguing for it.
    assert.equal((await server.api('POST', `/api/models/${REPO}/assessment/submit`, { token: owner, json: { ...COMPLETE, accessLevel: 'reviewed' } })).status, 201);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(30_000);
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(`${server.url}/login`);
    await page.fill('#username', 'lab');
    await page.fill('#password', password);
    await page.click('button:has-text("Sign in")');
    await page.waitForURL(`${server.url}/`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows a glob that matches nothing beside the form, and keeps what was typed', async () => {
    await page.goto(`${server.url}/${REPO}`);
    await page.click('[data-testid="repo-links"] a:has-text("Release schedule")');
    await page.fill('[name="stages.0.name"]', 'full model');
    await page.fill('[name="stages.0.paths"]', 'weights/**');
    await page.click('button:has-text("Save the schedule")');
    assert.match((await page.textContent('[role="alert"]')) ?? '', /"weights\/\*\*" matches no file on main/);
    assert.equal(await page.inputValue('[name="stages.0.name"]'), 'full model');
  });

  it('saves an embargoed stage and shows it on the repository page', async () => {
    await page.fill('[name="stages.0.paths"]', 'full/**');
    await page.selectOption('[name="stages.0.accessLevel"]', 'reviewed');
    await page.fill('[name="stages.0.embargo"]', embargo);
    await page.click('button:has-text("Save the schedule")');
    await page.waitForURL(/settings\/stages\?saved/);
    await page.goto(`${server.url}/${REPO}`);
    const schedule = (await page.textContent('[data-testid="release-schedule"]')) ?? '';
    assert.match(schedule, new RegExp(`full model: full/\\*\\*.*embargoed until ${embargo}`));
  });

  it('refuses the embargoed file to a Hugging Face client with the date, and serves the open one', async () => {
    const error = await caught(() => downloadFile({ repo: REPO, path: 'full/model.safetensors', hubUrl: server.url, accessToken: bob }));
    assert.equal(error.statusCode, 403);
    assert.match(String(error.message), new RegExp(`embargo until ${embargo}`));
    const small = await downloadFile({ repo: REPO, path: 'small/model.safetensors', hubUrl: server.url, accessToken: bob });
    assert.equal((await small!.arrayBuffer()).byteLength, 512);
  });

  it('raised no console errors beyond the refused save, so nothing broke the content security policy', () => {
    assert.deepEqual(consoleErrors.filter((e) => !/status of 400/.test(e)), []);
  });
});
