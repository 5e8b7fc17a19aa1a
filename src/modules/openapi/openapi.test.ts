import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { createApp } from '../../app/app.ts';
import { findOperation, toOpenApiPath } from './openapi.document.ts';
import { OPERATIONS } from './openapi.registry.ts';

type Doc = { openapi: string; paths: Record<string, Record<string, { summary: string; parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> } }>> };

describe('the OpenAPI document describes every Airlock API route', () => {
  let server: TestServer;
  let doc: Doc;
  let apiRoutes: { method: string; path: string }[];

  before(async () => {
    server = await startTestServer();
    const res = await server.api('GET', '/openapi.json');
    assert.equal(res.status, 200);
    doc = (await res.json()) as Doc;
    // The same route table the running server has.
    const seen = new Set<string>();
    apiRoutes = createApp(server.runtime.deps).routes
      .filter((r) => r.path.startsWith('/api/') && !['ALL', 'HEAD', 'OPTIONS'].includes(r.method))
      .filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`));
  });
  after(() => server.close());

  it('is OpenAPI 3.1 and lists every /api/ route the app registered, with its method', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(apiRoutes.length > 100, `only ${apiRoutes.length} routes found`);
    const missing = apiRoutes.filter((r) => !doc.paths[toOpenApiPath(r.path)]?.[r.method.toLowerCase()]);
    assert.deepEqual(missing, []);
  });

  it('describes every /api/ route it lists (add new ones to src/modules/openapi/openapi.registry.ts)', () => {
    const undescribed = apiRoutes.filter((r) => !findOperation(r.method, r.path)).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(undescribed, []);
  });

  it('describes no route that does not exist', () => {
    const real = new Set(apiRoutes.map((r) => `${r.method} ${r.path.replace(/^\/api\/(models|datasets)\//, '/api/{kind}/')}`));
    assert.deepEqual(Object.keys(OPERATIONS).filter((key) => !real.has(key)), []);
  });

  it('declares every path parameter', () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(methods)) assert.deepEqual(op.parameters?.filter((p) => p.in === 'path').map((p) => p.name) ?? [], names, path);
    }
  });

  it('takes request bodies from the zod schemas the handlers validate with', () => {
    const profile = doc.paths['/api/me/profile']!.put!.requestBody!.content['application/json']!.schema;
    assert.ok(profile.properties && ['fullName', 'institution', 'orcid', 'country'].every((k) => k in profile.properties!));
    const visa = doc.paths['/api/me/visas']!.post!.requestBody!.content['application/json']!.schema;
    assert.deepEqual(visa.required, ['visa']);
    const upload = doc.paths['/api/models/{namespace}/{name}/upload']!.put!.requestBody!.content;
    assert.ok(upload['application/octet-stream']);
    const search = doc.paths['/api/admin/audit']!.get!.parameters!.filter((p) => p.in === 'query').map((p) => p.name);
    assert.ok(search.includes('action'), `query parameters: ${search.join(', ')}`);
  });

  it('renders a reference page on the server, with no script or outside asset', async () => {
    const res = await server.api('GET', '/docs/api');
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<code>\/api\/me\/visas<\/code>/);
    assert.match(html, /Bring in a ResearcherStatus visa/);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /(src|href)="https?:\/\//i);
  });
});
