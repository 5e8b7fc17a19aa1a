import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rotateSigningKey } from '../../app/keys.ts';
import { runCli } from '../../../test/support/run-cli.ts';
import { createUserWithToken, freePort, runAdmin, startServerProcess, type ServerProcess } from '../../../test/support/server-process.ts';
import { startTestServer } from '../../../test/support/test-server.ts';

type KeySet = { keys: { kid: string; status: string }[] };
type Signed = { signature: { keyId: string } };

describe('rotating the server\'s signing key', () => {
  let dataDir: string;
  let work: string;
  let server: ServerProcess;
  let token: string;
  const get = async <T>(pathname: string) => (await (await fetch(`${server.url}${pathname}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as T;
  const cli = (args: string[]) => runCli(args, { env: { AIRLOCK_ENDPOINT: server.url, AIRLOCK_TOKEN: token, AIRLOCK_DATA: dataDir }, cwd: work });

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-keys-'));
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-keys-work-'));
    server = await startServerProcess(dataDir, await freePort());
    token = await createUserWithToken(dataDir, 'keeper');
    await fs.mkdir(path.join(work, 'copy'));
    await fs.writeFile(path.join(work, 'copy', 'weights.bin'), 'the weights');
    assert.equal((await cli(['repo', 'create', 'keeper/model'])).code, 0);
    const upload = await cli(['upload', 'keeper/model', 'copy/weights.bin']);
    assert.equal(upload.code, 0, upload.stderr);
  });
  after(async () => {
    await server.kill('SIGTERM');
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.rm(work, { recursive: true, force: true });
  });

  it('retires the old key, signs with the new one at once, and everything signed before still verifies', async () => {
    const before = await get<KeySet>('/.well-known/airlock/keys.json');
    assert.equal(before.keys.length, 1);
    const oldKid = before.keys[0]!.kid;
    const oldManifest = await get<Signed>('/api/models/keeper/model/manifest/main');
    assert.equal(oldManifest.signature.keyId, oldKid);
    await fs.writeFile(path.join(work, 'old-manifest.json'), JSON.stringify(oldManifest));
    const earlyExport = await cli(['audit', 'export', '--repo', 'keeper/model', '--out', 'early.jsonl']);
    assert.equal(earlyExport.code, 0, earlyExport.stderr);

    // Through the admin socket of the running server (embedded database).
    const out = await runAdmin(dataDir, ['rotate-key']);
    assert.match(out, /Rotated the signing key/);

    const after = await get<KeySet>('/.well-known/airlock/keys.json');
    await fs.writeFile(path.join(work, 'keys.json'), JSON.stringify(after));
    const active = after.keys.filter((k) => k.status === 'active');
    assert.equal(active.length, 1);
    assert.notEqual(active[0]!.kid, oldKid);
    assert.deepEqual(after.keys.filter((k) => k.status === 'retired').map((k) => k.kid), [oldKid]);
    const retiredPem = await fs.readFile(path.join(dataDir, 'keys', 'retired', `${oldKid}.pem`), 'utf8');
    assert.match(retiredPem, /BEGIN PUBLIC KEY/);
    assert.doesNotMatch(retiredPem, /PRIVATE/);

    const newManifest = await get<Signed>('/api/models/keeper/model/manifest/main');
    assert.equal(newManifest.signature.keyId, active[0]!.kid);
    const oldVerified = await cli(['verify', 'copy', '--manifest', 'old-manifest.json', '--keys', 'keys.json']);
    assert.equal(oldVerified.code, 0, oldVerified.stderr);
    assert.match(oldVerified.stdout, new RegExp(`key ${oldKid}`));

    // The log: checkpoints under both keys verify, and so do exports made before and after.
    const verified = await cli(['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stderr);
    const lateExport = await cli(['audit', 'export', '--repo', 'keeper/model', '--out', 'late.jsonl']);
    assert.equal(lateExport.code, 0, lateExport.stderr);
    const late = await fs.readFile(path.join(work, 'late.jsonl'), 'utf8');
    const kids = new Set([...late.matchAll(/"keyId":"([0-9a-f]+)"/g)].map((m) => m[1]));
    assert.ok(kids.has(oldKid), 'records from before the rotation are proven by the old key');
    for (const file of ['early.jsonl', 'late.jsonl']) {
      const result = await cli(['audit', 'verify-export', file, '--keys', 'keys.json']);
      assert.equal(result.code, 0, `${file}: ${result.stderr}`);
    }
    // The rotation is itself in the log, for platform admins to find.
    await runAdmin(dataDir, ['create-user', '--username', 'operator', '--email', 'operator@example.org', '--password', 'a long enough password', '--platform-role', 'admin']);
    const adminToken = /hf_\w+/.exec(await runAdmin(dataDir, ['create-token', '--username', 'operator', '--scope', 'read']))![0];
    const search = await fetch(`${server.url}/api/admin/audit?action=key.rotated`, { headers: { Authorization: `Bearer ${adminToken}` } });
    const found = (await search.json()) as { records: { details: { retiredKeyId: string; activeKeyId: string } }[] };
    assert.deepEqual(found.records.map((r) => r.details), [{ retiredKeyId: oldKid, activeKeyId: active[0]!.kid }]);
  });
});

describe('a server whose key file is replaced by another process', () => {
  it('signs with the new key within seconds', async () => {
    const server = await startTestServer();
    try {
      const held = server.runtime.signingKey;
      const oldKid = held.keyId;
      // What `airlock admin rotate-key` does when run directly on a PostgreSQL deployment: another copy of the key.
      const other = { ...held };
      const { activeKeyId } = await rotateSigningKey(server.dataDir, other);
      for (let i = 0; i < 100 && held.keyId === oldKid; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(held.keyId, activeKeyId);
      const keys = (await (await server.api('GET', '/.well-known/airlock/keys.json')).json()) as KeySet;
      assert.deepEqual(keys.keys.map((k) => [k.kid, k.status]), [[activeKeyId, 'active'], [oldKid, 'retired']]);
    } finally {
      await server.close();
    }
  });
});

describe('rotating the key from the CLI on a PostgreSQL deployment', { skip: !process.env.AIRLOCK_TEST_DATABASE_URL && 'set AIRLOCK_TEST_DATABASE_URL to run it' }, () => {
  it('is picked up by the running server from the key file', async () => {
    const { createScratchDatabase } = await import('../../../test/support/scratch-database.ts');
    const database = await createScratchDatabase(process.env.AIRLOCK_TEST_DATABASE_URL!);
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-keys-pg-'));
    const server = await startServerProcess(dataDir, await freePort(), { databaseUrl: database.url });
    try {
      const keysOf = async () => ((await (await fetch(`${server.url}/.well-known/airlock/keys.json`)).json()) as KeySet).keys;
      const oldKid = (await keysOf())[0]!.kid;
      // No admin socket with PostgreSQL: the CLI opens the database and the key file itself.
      const out = await runAdmin(dataDir, ['rotate-key'], database.url);
      const newKid = /(\w{16}) is active/.exec(out)![1];
      let keys = await keysOf();
      for (let i = 0; i < 100 && keys.find((k) => k.status === 'active')?.kid !== newKid; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        keys = await keysOf();
      }
      assert.deepEqual(keys.map((k) => [k.kid, k.status]), [[newKid, 'active'], [oldKid, 'retired']]);
      const verified = await runCli(['audit', 'verify'], { env: { AIRLOCK_DATA: dataDir, DATABASE_URL: database.url } });
      assert.equal(verified.code, 0, verified.stderr);
    } finally {
      await server.kill('SIGTERM');
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
