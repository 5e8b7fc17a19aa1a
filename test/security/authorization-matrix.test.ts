import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app/app.ts';
import { ROWS } from './authorization-matrix.table.ts';
import { findDistinguishable, findLeaks, PERSONAL_LISTINGS, PUBLIC_LISTINGS } from './authorization-matrix.listings.ts';
import { runMatrix, type Sent } from './authorization-matrix.runner.ts';
import { ACTORS, buildWorld, PRIVATE, type World } from './authorization-matrix.world.ts';

/** Hono lists middleware as `ALL` entries; they are not routes a client can call on their own. */
function routesOf(world: World) {
  const seen = new Set<string>();
  for (const r of createApp(world.server.runtime.deps).routes) if (r.method !== 'ALL') seen.add(`${r.method} ${r.path}`);
  return seen;
}

describe('the authorization matrix: every route against every kind of actor', () => {
  let world: World;
  let results: Sent[];
  let traces: string[];

  before(async () => {
    world = await buildWorld();
  });
  after(() => world?.server.close());

  it('lists every route of the application exactly once, and no route that does not exist', () => {
    const listed = ROWS.map((r) => r.route);
    const duplicates = listed.filter((r, i) => listed.indexOf(r) !== i);
    const existing = routesOf(world);
    const missing = [...existing].filter((r) => !listed.includes(r));
    const stale = listed.filter((r) => !existing.has(r));
    assert.deepEqual({ missing, stale, duplicates }, { missing: [], stale: [], duplicates: [] });
  });

  // Before the matrix: its successful changes (a block, a revocation) would change what listings show.
  it('never shows a private repository, or another user\'s applications or personal data, in a listing', async () => {
    const { leaks, checked, privateSeen } = await findLeaks(world, [...PUBLIC_LISTINGS, ...PERSONAL_LISTINGS]);
    assert.equal(checked, ACTORS.length * (PUBLIC_LISTINGS.length + PERSONAL_LISTINGS.length));
    // The search can find the private repositories at all: for those who may see them, it does.
    assert.deepEqual([...privateSeen].sort(), ['admin', 'mod', 'pub', 'readtok']);
    assert.deepEqual(leaks, []);
  });

  it('shows each actor their own records in those listings, so the search for others\' is not searching empty answers', async () => {
    const body = async (path: string, token?: string) => (await world.server.api('GET', path, { token })).text();
    assert.ok((await body('/api/me/access-requests', world.api.pending.token)).includes(world.ids.pendingApplication));
    assert.ok((await body('/api/review/queue', world.api.rev.token)).includes(world.ids.pendingApplication));
    assert.ok((await body('/api/me/misuse-reports', world.api.nogrant.token)).includes(world.ids.misuseReport));
    assert.ok((await body('/api/me/grants', world.api.granted.token)).includes('gated-lm'));
  });

  it('answers an outsider at a private repository\'s address exactly as at a repository that does not exist', async () => {
    assert.equal((await world.server.api('GET', `/api/models/${PRIVATE}`, { token: world.api.pub.token })).status, 200);
    assert.deepEqual(await findDistinguishable(world), []);
  });

  it('gives every actor the expected outcome on every route', async () => {
    ({ results, traces } = await runMatrix(world, ROWS));
    assert.equal(results.length, ROWS.length * ACTORS.length);
    const expected = new Map(ROWS.map((r) => [r.route, r.expect]));
    // MATRIX_RECORD=FILE writes what was observed, one line per route, for reviewing a change.
    if (process.env.MATRIX_RECORD) {
      const byRoute = new Map<string, string[]>();
      for (const s of results) byRoute.set(s.route, [...(byRoute.get(s.route) ?? []), s.got]);
      await fs.writeFile(process.env.MATRIX_RECORD, ROWS.map((r) => `${r.route}\t${byRoute.get(r.route)!.join(' ')}`).join('\n') + '\n');
      await fs.writeFile(`${process.env.MATRIX_RECORD}.details`, results.map((s) => `${s.actor}\t${s.detail}`).join('\n') + '\n');
    }
    const mismatches = results.filter((s) => expected.get(s.route)![s.actor] !== s.got)
      .map((s) => `${s.route} as ${s.actor}: expected ${expected.get(s.route)![s.actor]}, got ${s.got} (${s.detail})`);
    assert.deepEqual(mismatches, []);
  });

  it('changes nothing in the database when it refuses a state change (the refusal comes first)', () => {
    assert.ok(traces, 'the matrix ran');
    assert.deepEqual(traces, []);
  });
});
