import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../app/app.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { RESERVED_NAMESPACES } from './users.schemas.ts';
import { postForm } from '../../../test/support/web-client.ts';

describe('names the site keeps for itself', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(() => server.close());

  it('reserves the first path segment of every route, so no user or organisation can shadow a site page', () => {
    const segments = new Set(createApp(server.runtime.deps).routes
      .map((r) => r.path.split('/')[1] ?? '')
      .filter((s) => s !== '' && !s.startsWith(':') && s !== '*'));
    assert.ok(segments.size > 10, `only ${segments.size} segments found`);
    assert.deepEqual([...segments].filter((s) => !RESERVED_NAMESPACES.has(s.toLowerCase())).sort(), []);
  });

  it('refuses to register a reserved name, in any case, next to the username field', async () => {
    const res = await postForm(server, '/signup', { username: 'Metrics', displayName: 'M', email: 'm@example.org', password: 'long enough password' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /class="field invalid"><span>Username<\/span>[^]*?This name is reserved by the site/);
  });
});
