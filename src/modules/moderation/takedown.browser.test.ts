import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { downloadFile } from '@huggingface/hub';
import { chromium, type Browser, type Page } from 'playwright-core';
import { caught } from '../../../test/support/hub-client.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const REASON = 'Credible report of targeted harassment';

/**
 * Release governance in a real Chromium: a moderator blocks a repository while its discussion
 * stays usable and the Hugging Face client is refused with the reason; and a misuse report goes
 * from an anonymous visitor's form to a moderator's resolution. Steps share browsers and run in order.
 */
describe('takedowns and misuse reports in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let moderator: Page;
  let researcher: Page;
  let visitor: Page;
  let ritaToken = '';
  let statusLink = '';
  const passwords: Record<string, string> = {};
  const consoleErrors: string[] = [];

  const signInAs = async (page: Page, username: string) => {
    await page.goto(`${server.url}/login`);
    await page.fill('#username', username);
    await page.fill('#password', passwords[username]!);
    await page.click('button:has-text("Sign in")');
    await page.waitForSelector('[data-testid="signed-in-as"]');
  };

  before(async () => {
    server = await startTestServer();
    for (const [name, roles] of [['pub', []], ['mod', ['moderator']], ['rita', []]] as const) passwords[name] = (await server.createUser(name, { platformRoles: [...roles] })).password;
    const pub = await server.createToken('pub');
    ritaToken = await server.createToken('rita', 'read');
    await createRepo(server, pub, 'pub/chatter');
    await uploadFiles(server, pub, 'pub/chatter', { 'README.md': '# Chatter\n\nA forum-trained model.\n', 'model.safetensors': Buffer.alloc(2048, 7) });
    await createRepo(server, pub, 'pub/scraped', { type: 'dataset' });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const open = async () => {
      const page = await (await browser.newContext()).newPage();
      page.setDefaultTimeout(30_000);
      page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${m.text()} ${m.location().url}`); });
      return page;
    };
    [moderator, researcher, visitor] = [await open(), await open(), await open()];
    await signInAs(moderator, 'mod');
    await signInAs(researcher, 'rita');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lets the researcher download through @huggingface/hub before the block', async () => {
    const blob = await downloadFile({ repo: 'pub/chatter', path: 'model.safetensors', hubUrl: server.url, accessToken: ritaToken });
    assert.equal(blob!.size, 2048);
  });

  it('lets a moderator block the repository from its page with a reason', async () => {
    await moderator.goto(`${server.url}/pub/chatter`);
    await moderator.fill('#block-reason', REASON);
    await moderator.click('button:has-text("Block repository")');
    await moderator.waitForURL(`${server.url}/pub/chatter`);
    const panel = moderator.locator('[data-testid="access-panel"]');
    assert.equal(await panel.getAttribute('data-gate'), 'blocked');
    assert.match((await panel.textContent()) ?? '', new RegExp(`Blocked by mod on .*Reason: ${REASON}`));
    assert.equal(await moderator.locator('button:has-text("Unblock")').count(), 1);
  });

  it('keeps the discussion usable while the repository is blocked', async () => {
    await researcher.goto(`${server.url}/pub/chatter`);
    await researcher.click('a:has-text("Discussions")');
    await researcher.waitForURL(`${server.url}/pub/chatter/discussions`);
    assert.match((await researcher.textContent('[data-testid="blocked-note"]')) ?? '', new RegExp(REASON));
    await researcher.fill('#title', 'Is the block permanent?');
    await researcher.fill('#body', 'I used it for **detector** research.');
    await researcher.click('button:has-text("Start discussion")');
    await researcher.waitForURL(/\/pub\/chatter\/discussions\/[0-9a-f-]{36}$/);
    assert.equal(await researcher.textContent('[data-testid="comment"] strong >> nth=1'), 'detector');
    await researcher.fill('#body', 'Adding: my grant was for evaluation only.');
    await researcher.click('button:has-text("Comment")');
    await researcher.waitForSelector('[data-testid="comment"] >> nth=1');
    assert.equal(await researcher.locator('[data-testid="comment"]').count(), 2);
  });

  it('refuses the download through @huggingface/hub, naming the block reason', async () => {
    const error = await caught(() => downloadFile({ repo: 'pub/chatter', path: 'model.safetensors', hubUrl: server.url, accessToken: ritaToken }));
    assert.equal(error.statusCode, 403);
    assert.match(error.message, new RegExp(REASON));
  });

  it('takes a misuse report from an anonymous visitor and gives a status link', async () => {
    await visitor.goto(`${server.url}/datasets/pub/scraped`);
    await visitor.click('a:has-text("Report misuse")');
    await visitor.waitForURL(`${server.url}/datasets/pub/scraped/report`);
    await visitor.selectOption('#category', 'privacy');
    await visitor.fill('#description', 'Contains private messages with real names and phone numbers.');
    await visitor.fill('#evidenceLinks', 'https://paste.example/leak');
    await visitor.fill('#email', 'whistle@example.org');
    await visitor.click('button:has-text("Send report")');
    statusLink = (await visitor.textContent('[data-testid="status-link"]'))!;
    await visitor.goto(statusLink);
    assert.equal(await visitor.textContent('[data-testid="report-status"]'), 'open');
  });

  it('lets the moderator triage the report to its resolution, which the reporter sees', async () => {
    await moderator.goto(`${server.url}/`);
    await moderator.click('nav a:has-text("Misuse reports")');
    await moderator.click('[data-testid="report-queue"] a:has-text("pub/scraped")');
    assert.match((await moderator.textContent('main')) ?? '', /whistle@example.org \(no account\)/);
    await moderator.click('button:has-text("Acknowledge")');
    await moderator.waitForSelector('text=Recorded: acknowledge.');
    await moderator.fill('form:has(input[value="contact-publisher"]) textarea', 'Please remove the phone numbers within 7 days.');
    await moderator.click('button:has-text("Contact the publisher")');
    await moderator.waitForSelector('text=Recorded: contact-publisher.');
    await moderator.fill('form:has(input[value="resolve"]) input[name="note"]', 'The publisher removed the personal data.');
    await moderator.click('button:has-text("Resolve")');
    await moderator.waitForSelector('text=Recorded: resolve.');
    assert.equal(await moderator.textContent('[data-testid="report-status"]'), 'resolved');
    assert.equal(await moderator.locator('[data-testid="triage"]').count(), 0);

    await visitor.goto(statusLink);
    assert.equal(await visitor.textContent('[data-testid="report-status"]'), 'resolved');
    assert.match((await visitor.textContent('[data-testid="report-outcome"]')) ?? '', /The publisher removed the personal data/);
    const notices = (await (await server.api('GET', '/api/me/notifications', { token: await server.createToken('pub') })).json()) as { body: string }[];
    assert.ok(notices.some((n) => n.body.includes('Please remove the phone numbers within 7 days.')));
  });

  it('raised no console errors, so nothing broke the content security policy', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
