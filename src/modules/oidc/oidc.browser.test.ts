import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { startProvider } from '../../../test/support/oidc-provider.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe('signing in with an OpenID provider in a real browser', () => {
  let server: TestServer;
  let idp: Awaited<ReturnType<typeof startProvider>>;
  let browser: Browser;

  before(async () => {
    idp = await startProvider();
    server = await startTestServer({ config: { oidcProviders: [{ id: 'uni', name: 'University', issuer: idp.issuer, clientId: 'airlock', clientSecret: 'airlock-test-secret-0123456789', affiliationClaim: 'affiliation' }] } });
    idp.init(`${server.url}/login/oidc/uni/callback`);
    idp.accounts.set('b-1', { sub: 'b-1', email: 'bea@uni.example.org', email_verified: true, name: 'Bea Browser', preferred_username: 'bea', affiliation: 'University of Testing' });
    idp.as('b-1');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await idp?.close();
  });

  it('follows the provider link on the sign-in page and comes back signed in where it started', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${server.url}/login?next=/trainings`);
    await page.click('a:has-text("University")');
    await page.waitForURL(`${server.url}/trainings`);
    assert.equal(await page.textContent('[data-testid="signed-in-as"]'), 'bea');
  });
});
