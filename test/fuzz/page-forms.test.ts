import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createApp } from '../../src/app/app.ts';
import { concreteUrl, LEAK, startFuzzWorld, type FuzzWorld } from '../support/fuzz-world.ts';
import { hostileValue } from '../support/schema-arbitrary.ts';

/**
 * Every form the pages post (url-encoded POSTs outside /api/), sent random values for the fields
 * the pages really render, plus strangers, repeats and broken bodies, with a signed-in session and
 * our own Origin so each request passes the CSRF check and reaches validation. The answer is
 * never a 5xx or a stack trace; a refusal is a readable HTML page.
 */
const BATCH = 4;
const RUNS = Number(process.env.AIRLOCK_FUZZ_FORM_RUNS ?? 600);

/** Forms a researcher posts about their own affairs; the rest are posted by the publisher-admin. */
const RESEARCHER_FORM = /\/(apply|renew|request-access|report)$|^\/settings\/(profile|credential|trainings|access)|^\/trainings\/|discussions(\/:id\/comments)?$|^\/review\//;
/** Names worth trying on any form, beside those it renders. */
const COMMON_NAMES = ['reason', 'text', 'body', 'title', 'name', 'url', 'decision', 'comment', 'purpose', 'accessLevel', 'until', 'username', 'events', 'enabled', 'action', 'label', 'type', 'required', 'options', 'stages', 'completedOn', 'signedName', 'agree'];

type Form = { method: string; pattern: string; names: string[] };

/** Field names of the forms on a page, by the action they post to. */
function formsOf(html: string): Map<string, Set<string>> {
  const forms = new Map<string, Set<string>>();
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const action = /action="([^"]*)"/.exec(m[1]!)?.[1]?.replace(/&amp;/g, '&');
    if (!action) continue;
    const names = forms.get(action) ?? new Set<string>();
    for (const n of m[2]!.matchAll(/\bname="([^"]+)"/g)) names.add(n[1]!);
    forms.set(action, names);
  }
  return forms;
}

describe('fuzzing every page form over HTTP (property)', () => {
  let world: FuzzWorld;
  let forms: Form[];
  const statuses = new Map<string, number>();
  let sent = 0;

  before(async () => {
    world = await startFuzzWorld();
    const seen = new Set<string>();
    const routes = createApp(world.server.runtime.deps).routes
      .filter((r) => r.method === 'POST' && !r.path.startsWith('/api/') && !r.path.includes('/resolve/') && r.path !== '/logout')
      .filter((r) => !seen.has(r.path) && seen.add(r.path));
    // The pages each form lives on: the route's own path and its parents, as each actor sees them.
    const rendered = new Map<string, Set<string>>();
    const pages = new Set<string>();
    for (const r of routes) {
      const url = concreteUrl(r.path, world.ids);
      const parts = url.split('/');
      for (let i = parts.length; i > 1; i--) pages.add(parts.slice(0, i).join('/'));
    }
    for (const page of pages) {
      for (const cookie of [world.publisher.cookie, world.researcher.cookie]) {
        const res = await fetch(`${world.server.url}${page}`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
        for (const [action, names] of formsOf(await res.text())) rendered.set(action, new Set([...(rendered.get(action) ?? []), ...names]));
      }
    }
    forms = routes.map((r) => ({ method: r.method, pattern: r.path, names: [...(rendered.get(concreteUrl(r.path, world.ids)) ?? [])] }));
    const found = forms.filter((f) => f.names.length > 0).length;
    console.log(`# ${forms.length} form routes; field names read from the pages for ${found}`);
    assert.ok(found >= forms.length / 2, `few forms found on the pages: ${forms.filter((f) => f.names.length === 0).map((f) => f.pattern).join(', ')}`);
  });
  after(() => world?.close());

  const value = fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.constantFrom('on', 'true', 'approve', 'reject', 'return', 'open', 'reviewed', 'text', '2030-01-01', 'https://example.org/', 'rita', 'main', '1') },
    { weight: 2, arbitrary: hostileValue.map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')) },
  );

  const oneCase = (formCount: number) => fc.nat({ max: formCount - 1 }).chain((index) => {
    const form = forms[index]!;
    const names = form.names.length > 0 ? form.names : COMMON_NAMES;
    return fc.record({
      index: fc.constant(index),
      fields: fc.array(fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.constantFrom(...COMMON_NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }), value), { maxLength: names.length + 3 }),
      randomIds: fc.boolean(),
      body: fc.oneof(
        { weight: 8, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.record({ raw: fc.string({ unit: 'binary', maxLength: 100 }), type: fc.constantFrom('multipart/form-data; boundary=x', 'multipart/form-data', 'application/x-www-form-urlencoded', 'application/json', 'text/plain') }) },
      ),
    });
  });

  const check = async (c: { index: number; fields: [string, string][]; randomIds: boolean; body: { raw: string; type: string } | null }) => {
    const form = forms[c.index]!;
    const url = concreteUrl(form.pattern, world.ids, { randomIds: c.randomIds });
    const anonymous = form.pattern === '/login' || form.pattern === '/signup';
    const actor = RESEARCHER_FORM.test(form.pattern) ? world.researcher : world.publisher;
    const params = new URLSearchParams();
    for (const [k, v] of c.fields) params.append(k, v);
    const res = await fetch(`${world.server.url}${url}`, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(20_000),
      headers: {
        accept: 'text/html', origin: world.server.url, 'content-type': c.body?.type ?? 'application/x-www-form-urlencoded',
        ...(anonymous ? {} : { cookie: actor.cookie }),
      },
      body: c.body?.raw ?? params.toString(),
    });
    const text = await res.text();
    sent++;
    const key = `${form.pattern} ${res.status}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    const what = `POST ${url} ${c.body ? `${c.body.type} ${JSON.stringify(c.body.raw)}` : params.toString().slice(0, 300)} → ${res.status} ${text.slice(0, 300)}`;
    assert.ok(res.status < 500, what);
    assert.doesNotMatch(text, LEAK, what);
    if (res.status >= 400) {
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, what);
      assert.match(text, /<h1|<form/, what);
    }
  };

  it('never answers with a 5xx or a stack trace, and refuses with a readable page', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(oneCase(forms.length), { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        await Promise.all(cases.map(check));
      }),
      { numRuns: RUNS },
    );
  });

  it('reached refusals and successes on most forms', () => {
    const answered = new Map<string, Set<number>>();
    for (const key of statuses.keys()) {
      const [pattern, status] = key.split(' ');
      answered.set(pattern!, (answered.get(pattern!) ?? new Set()).add(Number(status)));
    }
    const refused = [...answered].filter(([, s]) => [...s].some((x) => x === 400 || x === 422)).length;
    console.log(`# ${sent} form posts to ${answered.size} routes; ${refused} answered a validation refusal; ${JSON.stringify([...statuses].sort())}`);
    assert.ok(sent >= RUNS * BATCH);
    assert.ok(answered.size >= forms.length * 0.9);
    assert.ok(refused >= forms.length / 3, `few forms refused anything: ${refused}`);
  });
});
