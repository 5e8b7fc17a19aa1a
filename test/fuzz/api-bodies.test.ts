import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createApp } from '../../src/app/app.ts';
import { OPERATIONS } from '../../src/modules/openapi/openapi.registry.ts';
import { concreteUrl, LEAK, startFuzzWorld, type FuzzWorld } from '../support/fuzz-world.ts';
import { garbageBody, hostileValue, mutate, mutationArbitrary, toJsonSchema, toJsonText, validArbitrary, type RawBody } from '../support/schema-arbitrary.ts';

/**
 * Every JSON route of the Airlock API, sent near-valid bodies with one field broken (wrong type,
 * missing, a stranger beside it, huge, odd unicode, deeply nested, out of range, a bad date) and
 * raw garbage (truncated JSON, binary, the wrong content type), over loopback to one real server,
 * as an actor allowed to reach validation, on real objects and on ids that name nothing.
 * Whatever is sent: no 5xx, no stack trace, a problem with a stable code, and a 400 names its field.
 */
const BATCH = 4; // requests in flight at once: enough to keep both cores busy, few enough to stay fast
const RUNS = Number(process.env.AIRLOCK_FUZZ_API_RUNS ?? 1500);

/** Routes a researcher uses about their own affairs; everything else is sent as the publisher-admin. */
const RESEARCHER_ROUTE = /\/access-requests($|\/:id($|\/(submit|withdraw)))|\/renewals|\/api\/me\/|signatures|attempts|certificates$|^POST \/api\/misuse-reports$|discussions($|\/:id\/comments$)/;

/** Query parameters some read routes take, tried on every one. */
const QUERY_NAMES = ['cursor', 'recursive', 'expand', 'limit', 'offset', 'search', 'closed', 'revision', 'status', 'since', 'from', 'to', 'before', 'stage', 'format'];

type Route = { method: string; pattern: string; arbitrary: fc.Arbitrary<RawBody> };
type Case = { route: number; body: RawBody; randomIds: boolean; kind: 'models' | 'datasets' };

describe('fuzzing every JSON endpoint of the API over HTTP (property)', () => {
  let world: FuzzWorld;
  let routes: Route[];
  const statuses = new Map<string, number>();
  let sent = 0;

  before(async () => {
    world = await startFuzzWorld();
    const seen = new Set<string>();
    routes = createApp(world.server.runtime.deps).routes
      .filter((r) => r.path.startsWith('/api/') && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))
      .map((r) => ({ method: r.method, pattern: r.path.replace(/^\/api\/(models|datasets)\//, '/api/{kind}/') }))
      .filter((r) => !seen.has(`${r.method} ${r.pattern}`) && seen.add(`${r.method} ${r.pattern}`))
      .map(({ method, pattern }) => {
        const schema = OPERATIONS[`${method} ${pattern}`]?.body;
        const json = schema
          ? fc.tuple(validArbitrary(toJsonSchema(schema)), mutationArbitrary).map(([value, m]) => ({ body: toJsonText(mutate(value, m)), contentType: 'application/json' }))
          : fc.jsonValue({ maxDepth: 2 }).map((v) => ({ body: JSON.stringify(v), contentType: 'application/json' }));
        return { method, pattern, arbitrary: fc.oneof({ weight: 4, arbitrary: json }, { weight: 1, arbitrary: garbageBody }) };
      });
  });
  after(() => world?.close());

  const check = async (route: Route, c: Case) => {
    const url = concreteUrl(route.pattern, world.ids, { randomIds: c.randomIds, kind: c.kind });
    const actor = RESEARCHER_ROUTE.test(`${route.method} ${route.pattern}`) ? world.researcher : world.publisher;
    // Tokens are managed from a browser session only: those routes get the session and our Origin.
    const headers: Record<string, string> = route.pattern.startsWith('/api/tokens') ? { cookie: actor.cookie, origin: world.server.url } : { authorization: `Bearer ${actor.token}` };
    if (c.body.contentType) headers['content-type'] = c.body.contentType;
    const res = await fetch(`${world.server.url}${url}`, { method: route.method, headers, body: c.body.body, redirect: 'manual', signal: AbortSignal.timeout(20_000) });
    const text = await res.text();
    sent++;
    const key = `${route.method} ${route.pattern} ${res.status}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    const what = `${route.method} ${url} ${c.body.contentType} ${c.body.body.slice(0, 300)} → ${res.status} ${text.slice(0, 500)}`;
    assert.ok(res.status < 500, what);
    assert.doesNotMatch(text, LEAK, what);
    if (res.status >= 400) {
      const problem = JSON.parse(text) as { code?: string; field?: string; details?: { issues?: { field?: string }[] } };
      assert.match(problem.code ?? '', /^[a-z_]+$/, what);
      assert.match(res.headers.get('content-type') ?? '', /^application\/(problem\+)?json/, what);
      if (res.status === 400 || res.status === 422) assert.ok(problem.field || problem.details?.issues?.[0]?.field, `no field named: ${what}`);
    }
  };

  it('never answers with a 5xx or a stack trace, and every refusal is a problem naming its code (and a 400 its field)', async () => {
    const oneCase = fc.nat({ max: routes.length - 1 }).chain((route) => fc.record({
      route: fc.constant(route),
      body: routes[route]!.arbitrary,
      randomIds: fc.boolean(), // half on real objects, half on ids that name nothing
      kind: fc.constantFrom('models' as const, 'models' as const, 'datasets' as const),
    }));
    await fc.assert(
      fc.asyncProperty(fc.array(oneCase, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        await Promise.all(cases.map((c) => check(routes[c.route]!, c)));
      }),
      { numRuns: RUNS },
    );
  });

  it('never answers a GET of the API with a 5xx or a stack trace, whatever the query string', async () => {
    const seen = new Set<string>();
    const reads = createApp(world.server.runtime.deps).routes
      .filter((r) => r.method === 'GET' && r.path.startsWith('/api/'))
      .map((r) => r.path.replace(/^\/api\/(models|datasets)\//, '/api/{kind}/'))
      .filter((p) => !seen.has(p) && seen.add(p));
    const names = (pattern: string) => {
      const query = OPERATIONS[`GET ${pattern}`]?.query;
      return [...Object.keys(query ? toJsonSchema(query).properties ?? {} : {}), ...QUERY_NAMES];
    };
    const value = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('0', '-1', '1e309', 'true', 'main', '2026-01-01', '2026-13-45', 'NaN', '9'.repeat(30)), hostileValue.map((v) => (typeof v === 'string' ? v.slice(0, 5000) : JSON.stringify(v) ?? '')));
    const oneRead = fc.nat({ max: reads.length - 1 }).chain((index) => fc.record({
      index: fc.constant(index),
      pairs: fc.array(fc.tuple(fc.constantFrom(...names(reads[index]!)), value), { maxLength: 4 }),
      randomIds: fc.boolean(),
    }));
    await fc.assert(
      fc.asyncProperty(fc.array(oneRead, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        await Promise.all(cases.map(async ({ index, pairs, randomIds }) => {
          const params = new URLSearchParams();
          for (const [k, v] of pairs) params.append(k, v);
          const url = `${concreteUrl(reads[index]!, world.ids, { randomIds })}?${params}`;
          const res = await fetch(`${world.server.url}${url}`, { headers: { authorization: `Bearer ${world.publisher.token}` }, signal: AbortSignal.timeout(20_000) });
          const text = await res.text();
          sent++;
          const what = `GET ${url} → ${res.status} ${text.slice(0, 300)}`;
          assert.ok(res.status < 500, what);
          assert.doesNotMatch(text, LEAK, what);
          if (res.status === 400 || res.status === 422) assert.ok((JSON.parse(text) as { field?: string }).field, `no field named: ${what}`);
        }));
      }),
      { numRuns: Math.ceil(RUNS / 5) },
    );
  });

  it('reached validation on most routes, and success on some', () => {
    const byRoute = new Map<string, Set<number>>();
    for (const key of statuses.keys()) {
      const [method, pattern, status] = key.split(' ');
      const k = `${method} ${pattern}`;
      byRoute.set(k, (byRoute.get(k) ?? new Set()).add(Number(status)));
    }
    const withBody = routes.filter((r) => OPERATIONS[`${r.method} ${r.pattern}`]?.body).map((r) => `${r.method} ${r.pattern}`);
    const validated = withBody.filter((k) => byRoute.get(k)?.has(400));
    const succeeded = [...byRoute].filter(([, s]) => [...s].some((x) => x < 300));
    console.log(`# ${sent} requests to ${byRoute.size} routes; ${validated.length}/${withBody.length} JSON routes answered a 400 (not: ${withBody.filter((k) => !validated.includes(k)).map((k) => `${k} [${[...(byRoute.get(k) ?? [])].join(' ')}]`).join(', ') || 'none'}); ${succeeded.length} routes succeeded at least once`);
    assert.ok(sent >= RUNS * BATCH * 1.2);
    assert.ok(validated.length >= withBody.length * 0.9, `never refused: ${withBody.filter((k) => !validated.includes(k)).join(', ')}`);
    assert.ok(succeeded.length >= 10, `too few successes: ${JSON.stringify([...statuses])}`);
  });
});
