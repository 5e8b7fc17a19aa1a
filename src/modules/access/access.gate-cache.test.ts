import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { ManualClock } from '../../lib/clock.ts';
import { generatedBytes } from '../../../test/support/generated-file.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { users } from '../users/users.tables.ts';
import { EpochCache, GATE_TABLES, readAccessEpoch } from './access-epoch.ts';

describe('EpochCache', () => {
  it('serves a value only at the access epoch it was loaded at', () => {
    const cache = new EpochCache<string>();
    cache.set('k', 4, 'loaded at 4');
    assert.equal(cache.get('k', 4, 0), 'loaded at 4');
    assert.equal(cache.get('k', 5, 0), undefined);
    assert.equal(cache.get('k', 4, 0), undefined, 'a stale entry is dropped, not kept for an older epoch');
  });

  it('stops serving a value at the instant time alone could change it', () => {
    const cache = new EpochCache<string>();
    cache.set('grant', 1, 'active', 1000);
    assert.equal(cache.get('grant', 1, 999), 'active');
    assert.equal(cache.get('grant', 1, 1000), undefined);
  });

  it('keeps at most its bound of entries, dropping one not served since the last eviction before one that was', () => {
    const cache = new EpochCache<number>(2);
    cache.set('a', 1, 1);
    cache.set('b', 1, 2);
    cache.get('a', 1, 0);
    cache.set('c', 1, 3);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b', 1, 0), undefined);
    assert.equal(cache.get('a', 1, 0), 1);
    assert.equal(cache.get('c', 1, 0), 3);
  });

  it('serves nothing for a key it was told to forget, and keeps the others', () => {
    const cache = new EpochCache<string>();
    cache.set('bad', 0, 'rejected header');
    cache.set('good', 0, 'parsed header');
    cache.forget('bad');
    assert.equal(cache.get('bad', 0, 0), undefined);
    assert.equal(cache.get('good', 0, 0), 'parsed header');
    assert.equal(cache.size, 1);
  });

  it('never holds more than its bound, serves only the last value set at the asked epoch, and keeps a served entry over an unserved one', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key, epoch: fc.integer({ min: 1, max: 3 }), value: fc.integer() }),
      fc.record({ kind: fc.constant('get' as const), key, epoch: fc.integer({ min: 1, max: 3 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(operation, { maxLength: 60 }), (bound, operations) => {
        const cache = new EpochCache<number>(bound);
        const lastSet = new Map<string, { epoch: number; value: number }>();
        for (const op of operations) {
          if (op.kind === 'set') {
            const servedBefore = [...lastSet.keys()].filter((k) => k !== op.key && cache.get(k, lastSet.get(k)!.epoch, 0) !== undefined);
            cache.set(op.key, op.epoch, op.value);
            lastSet.set(op.key, { epoch: op.epoch, value: op.value });
            assert.ok(cache.size <= bound);
            // Every entry still held was just served; when one had to go, a served one is kept if
            // the new entry and the bound leave room for it.
            const kept = servedBefore.filter((k) => cache.get(k, lastSet.get(k)!.epoch, 0) !== undefined);
            assert.ok(kept.length >= Math.min(servedBefore.length, bound - 1));
          } else {
            const served = cache.get(op.key, op.epoch, 0);
            const last = lastSet.get(op.key);
            if (served !== undefined) assert.deepEqual({ epoch: op.epoch, value: served }, last);
          }
        }
      }),
    );
  });
});

describe('the download gate with cached facts', () => {
  const REPO = 'alice/cached-lm';
  const FILE = 'model.safetensors';
  const clock = new ManualClock(new Date('2027-01-10T00:00:00Z'));
  let server: TestServer;
  let owner: string;
  let bob: string;
  const head = (token: string) => server.api('HEAD', `/${REPO}/resolve/main/${FILE}`, { token });
  const grantBob = async (until?: Date) => {
    const res = await server.api('POST', `/api/models/${REPO}/grants`, { token: owner, json: { user: 'bob', ...(until ? { until: until.toISOString() } : {}) } });
    assert.equal(res.status, 201, await res.text());
  };
  /** Two allowed requests: the second is answered from the cache. */
  const warm = async (token = bob) => {
    assert.equal((await head(token)).status, 200);
    assert.equal((await head(token)).status, 200);
  };

  before(async () => {
    server = await startTestServer({ clock });
    await server.createUser('alice');
    await server.createUser('bob');
    owner = await server.createToken('alice');
    bob = await server.createToken('bob', 'read');
    await createRepo(server, owner, REPO, { accessLevel: 'reviewed' });
    await uploadFiles(server, owner, REPO, { [FILE]: generatedBytes('cached', 4096) });
  });
  after(() => server.close());

  it('has a trigger raising the access epoch on exactly the tables it lists', async () => {
    const rows = await server.runtime.deps.db.execute<{ table: string }>(sql`
      select distinct c.relname as "table" from pg_trigger t join pg_class c on c.oid = t.tgrelid where t.tgname like '%_bumps_access_epoch'`);
    const withTrigger = (rows as unknown as { rows: Array<{ table: string }> }).rows.map((r) => r.table).sort();
    assert.deepEqual(withTrigger, GATE_TABLES.map((t) => t.table).sort());
  });

  it('raises the epoch when a grant is written, and not when a token is merely used', async () => {
    const db = server.runtime.deps.db;
    const before = await readAccessEpoch(db);
    await grantBob();
    const afterGrant = await readAccessEpoch(db);
    assert.ok(afterGrant > before);
    await warm();
    assert.equal(await readAccessEpoch(db), afterGrant, 'downloads and token use write nothing the gate reads');
  });

  it('refuses the next request after a revocation, though the grant was cached', async () => {
    await warm();
    const revoked = await server.api('POST', `/api/models/${REPO}/grants/revoke`, { token: owner, json: { user: 'bob', reason: 'test' } });
    assert.equal(revoked.status, 200);
    assert.equal((await head(bob)).status, 403);
  });

  it('refuses the next request once the grant has ended, with nothing written in between', async () => {
    await grantBob(new Date(clock.now().getTime() + 60_000));
    await warm();
    clock.advance(60_001);
    assert.equal((await head(bob)).status, 403);
  });

  it('refuses the next request once the user is blocked, whoever wrote the block', async () => {
    await grantBob();
    await warm();
    await server.runtime.deps.db.update(users).set({ blockedAt: clock.now(), blockedReason: 'test' }).where(eq(users.username, 'bob'));
    const refused = await server.api('GET', `/${REPO}/resolve/main/${FILE}`, { token: bob });
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { error: string }).error, /Your account is blocked/);
    await server.runtime.deps.db.update(users).set({ blockedAt: null, blockedReason: null }).where(eq(users.username, 'bob'));
    assert.equal((await head(bob)).status, 200);
  });

  it('refuses a cached token at the next request after it is revoked', async () => {
    // Tokens are revoked from a browser session; the use case behind that page is called directly.
    const { listTokens, revokeToken } = await import('../tokens/tokens.usecases.ts');
    const db = server.runtime.deps.db;
    const [bobRow] = await db.select().from(users).where(eq(users.username, 'bob'));
    const second = await server.createToken('bob', 'write');
    await warm(bob);
    await warm(second);
    const readToken = (await listTokens(db, bobRow!.id)).find((t) => t.scope === 'read' && !t.revokedAt)!;
    await revokeToken(db, readToken, bobRow!.id);
    assert.equal((await head(bob)).status, 401);
    assert.equal((await head(second)).status, 200, 'the other token, cached too, still works');
    bob = second;
  });

  it('follows the branch to a new commit at the next request', async () => {
    const first = (await head(owner)).headers.get('x-repo-commit');
    await uploadFiles(server, owner, REPO, { [FILE]: generatedBytes('cached-2', 4096) });
    const second = (await head(owner)).headers.get('x-repo-commit');
    assert.ok(first && second && first !== second);
  });
});
