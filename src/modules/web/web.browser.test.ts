import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * One visitor's journey through the web UI in a real Chromium against a real server: sign up,
 * create a token, browse, download from an open model, and ask for access to a reviewed one.
 * The steps share one browser session, so they run in order.
 */
describe('the web UI in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    const token = await server.createToken('alice');
    await createRepo(server, token, 'alice/gpt2.5');
    await uploadFiles(server, token, 'alice/gpt2.5', {
      'README.md': '---\nlicense: mit\ntags: [demo]\n---\n# GPT 2.5\n\nA small **open** model for the browser test.\n',
      'config.json': '{"layers":2}',
    });
    await createRepo(server, token, 'alice/guarded', { accessLevel: 'reviewed' });
    await uploadFiles(server, token, 'alice/guarded', { 'README.md': '# Guarded\n\nApply with your research purpose.\n', 'weights.bin': Buffer.alloc(1024, 3) });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage();
    // The machine is shared and slow at times; a generous timeout keeps the test about behaviour.
    page.setDefaultTimeout(30_000);
    // A CSP violation (an inline script or style) shows up as a console error.
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${message.text()} ${message.location().url}`);
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs up through the form and lands signed in', async () => {
    await page.goto(`${server.url}/signup`);
    await page.fill('#username', 'rita');
    await page.fill('#email', 'rita@example.org');
    await page.fill('#password', 'a long research password');
    await page.click('button:has-text("Create account")');
    await page.waitForURL(`${server.url}/`);
    assert.equal(await page.textContent('[data-testid="signed-in-as"]'), 'rita');
  });

  it('creates a token, sees its value once, and the token works against whoami', async () => {
    await page.goto(`${server.url}/settings/tokens`);
    await page.fill('#name', 'laptop');
    await page.selectOption('select[name="scope"]', 'read');
    await page.click('button:has-text("Create token")');
    const value = await page.inputValue('[data-testid="new-token"]');
    assert.match(value, /^hf_[A-Za-z0-9]{43}$/);
    assert.match((await page.textContent('.notice.secret')) ?? '', /shown only this once/);

    await page.goto(`${server.url}/settings/tokens`);
    assert.equal(await page.locator('[data-testid="new-token"]').count(), 0);
    assert.match((await page.textContent('table.tokens')) ?? '', /laptop\s*read/);
    assert.ok(!(await page.content()).includes(value), 'the value is not shown again');

    const whoami = await fetch(`${server.url}/api/whoami-v2`, { headers: { Authorization: `Bearer ${value}` } });
    assert.equal(whoami.status, 200);
    assert.equal(((await whoami.json()) as { name: string }).name, 'rita');
  });

  it('sees both repositories in the catalogue', async () => {
    await page.goto(`${server.url}/`);
    const names = await page.locator('[data-testid="catalogue"] a.repo-name').allTextContents();
    assert.deepEqual(names.sort(), ['alice/gpt2.5', 'alice/guarded']);
  });

  it('opens the open model and sees its rendered card, files and download links', async () => {
    await page.click('a.repo-name:has-text("alice/gpt2.5")');
    await page.waitForURL(`${server.url}/alice/gpt2.5`);
    assert.equal(await page.textContent('[data-testid="model-card"] h1'), 'GPT 2.5');
    assert.equal(await page.textContent('[data-testid="model-card"] strong'), 'open');
    assert.equal(await page.getAttribute('[data-testid="access-panel"]', 'data-gate'), 'download');
    const links = await page.locator('[data-testid="files"] a').evaluateAll((as) => as.map((a) => (a as { href: string }).href));
    assert.deepEqual(links, [`${server.url}/alice/gpt2.5/resolve/main/README.md`, `${server.url}/alice/gpt2.5/resolve/main/config.json`]);
    const download = await page.request.get(links[1]!);
    assert.equal(await download.text(), '{"layers":2}');
  });

  it('opens the reviewed model and sees the gate explained, a request button and no download links', async () => {
    await page.goto(`${server.url}/alice/guarded`);
    assert.equal(await page.textContent('[data-testid="model-card"] h1'), 'Guarded');
    const panel = page.locator('[data-testid="access-panel"]');
    assert.equal(await panel.getAttribute('data-gate'), 'request-review');
    assert.match((await panel.textContent()) ?? '', /The publisher reviews each request/);
    assert.equal(await panel.locator('button:has-text("Request access")').count(), 1);
    assert.equal(await page.locator('a[href*="/resolve/"]').count(), 0);
    assert.match((await page.textContent('[data-testid="files"]')) ?? '', /weights\.bin/);
  });

  it('requests access and sees the request awaiting review', async () => {
    await page.click('button:has-text("Request access")');
    await page.waitForURL(`${server.url}/alice/guarded`);
    const panel = page.locator('[data-testid="access-panel"]');
    assert.equal(await panel.getAttribute('data-gate'), 'pending');
    assert.match((await panel.textContent()) ?? '', /Your request is awaiting review/);
    assert.equal(await panel.locator('button').count(), 0);
    assert.equal(await page.locator('a[href*="/resolve/"]').count(), 0);
  });

  it('raised no console errors, so nothing broke the content security policy', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
