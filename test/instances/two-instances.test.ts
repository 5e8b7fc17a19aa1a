import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createScratchDatabase } from '../support/scratch-database.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../support/test-server.ts';
import { postgresUnavailable, SHARED_POSTGRES_URL } from '../support/shared-postgres.ts';

const BASE = SHARED_POSTGRES_URL;


const skip = await postgresUnavailable('two instances need a shared database');
if (skip) console.log(`# skipping two-instances: ${skip}`);

/**
 * Two `airlock serve` processes' worth of servers on one PostgreSQL (each with its own data
 * directory, hence its own caches): what one decides, the other enforces at the next request.
 */
describe('two instances on one PostgreSQL enforce each other\'s access decisions at once', { skip }, () => {
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let one: TestServer;
  let two: TestServer;
  let lab: string;
  let rita: string;
  const download = (server: TestServer) => server.api('GET', '/lab/model/resolve/main/weights.bin', { token: rita });

  before(async () => {
    database = await createScratchDatabase(BASE, 'airlock_two');
    one = await startTestServer({ config: { databaseUrl: database.url } });
    // One blob store too: the second serves from the first one's data directory.
    two = await startTestServer({ config: { databaseUrl: database.url, dataDir: one.dataDir } });
    await one.createUser('lab');
    await one.createUser('rita');
    lab = await one.createToken('lab');
    rita = await two.createToken('rita');
    await createRepo(one, lab, 'lab/model', { accessLevel: 'reviewed' });
  });
  after(async () => {
    // The second uses the first one's data directory: it stops first.
    await two?.close();
    await one?.close();
    await database?.drop();
  });

  it('sees on the second what was uploaded through the first, gated alike', async () => {
    await uploadFiles(one, lab, 'lab/model', { 'weights.bin': Buffer.alloc(64, 5) });
    assert.equal((await two.api('GET', '/lab/model/resolve/main/weights.bin', { token: lab })).status, 200);
    assert.equal((await download(two)).status, 403);
  });

  it('opens the download on the second instance as soon as the first grants', async () => {
    // Warm the second instance's gate cache with the refusal first.
    assert.equal((await download(two)).status, 403);
    assert.equal((await one.api('POST', '/api/models/lab/model/grants', { token: lab, json: { user: 'rita' } })).status, 201);
    const res = await download(two);
    assert.equal(res.status, 200);
    assert.equal((await res.arrayBuffer()).byteLength, 64);
  });

  it('closes it on the second instance at the very next request after the first revokes', async () => {
    assert.equal((await one.api('POST', '/api/models/lab/model/grants/revoke', { token: lab, json: { user: 'rita', reason: 'Ended.' } })).status, 200);
    assert.equal((await download(two)).status, 403);
  });
});
