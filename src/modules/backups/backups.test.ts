import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runLocalCommand } from '../../cli/local.ts';
import { generatedBytes } from '../../../test/support/generated-file.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import type { SignedManifest } from '../manifests/manifests.models.ts';
import { runCli } from '../../../test/support/run-cli.ts';

const run = async (server: TestServer, ...argv: string[]) => {
  const lines: string[] = [];
  const code = await runLocalCommand(server.runtime.deps, argv, (line) => lines.push(line));
  return { code, out: lines.join('\n') };
};
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe(`backup and restore (${process.env.AIRLOCK_TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let source: TestServer;
  let target: TestServer;
  let targetDir: string;
  let work: string;
  let token: string;
  let manifest: SignedManifest;
  const file = () => path.join(work, 'airlock.backup.gz');

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-backup-'));
    source = await startTestServer();
    await source.createUser('alice');
    await source.createUser('bob');
    token = await source.createToken('alice');
    await source.createOrg('lab', 'alice', { bob: 'write' });
    await createRepo(source, token, 'lab/backup-lm');
    await uploadFiles(source, token, 'lab/backup-lm', { 'README.md': '---\nlicense: mit\n---\n# Backup LM\n', 'model.safetensors': generatedBytes('backup', 300_000), 'data/bytes.bin': Buffer.from([0, 1, 2, 255, 254]) });
    await createRepo(source, token, 'lab/gated-lm', { accessLevel: 'agreement' });
    await source.flushAudit();
    assert.equal((await run(source, 'audit', 'checkpoint')).code, 0);
    manifest = (await (await source.api('GET', '/api/models/lab/backup-lm/manifest/main', { token })).json()) as SignedManifest;
    // The new server gets the old blobs and keys, as the README tells operators to copy them.
    targetDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-restored-'));
    await fs.cp(path.join(source.dataDir, 'blobs'), path.join(targetDir, 'blobs'), { recursive: true });
    await fs.cp(path.join(source.dataDir, 'keys'), path.join(targetDir, 'keys'), { recursive: true });
    target = await startTestServer({ config: { dataDir: targetDir } });
  });
  after(async () => {
    await source?.close();
    await target?.close();
    await fs.rm(work, { recursive: true, force: true });
    await fs.rm(targetDir, { recursive: true, force: true });
  });

  it('writes a backup readable only by its owner, naming its rows, tables and blob index', async () => {
    const { code, out } = await run(source, 'admin', 'backup', file());
    assert.equal(code, 0, out);
    assert.match(out, /Wrote .*: \d+ rows from \d+ tables, and an index of 3 blobs \(\d+ bytes\)/);
    assert.equal((await fs.stat(file())).mode & 0o777, 0o600);
  });

  it('writes a backup from the command line, to a path relative to the shell, through the running server', async () => {
    const res = await runCli(['admin', 'backup', 'from-cli.backup.gz'], { cwd: work, env: { AIRLOCK_DATA: source.dataDir, DATABASE_URL: source.runtime.deps.config.databaseUrl } });
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, new RegExp(`Wrote ${path.join(work, 'from-cli.backup.gz').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.ok((await fs.stat(path.join(work, 'from-cli.backup.gz'))).size > 0);
  });

  it('restores into an empty database: same users and token, the audit chain verifies, every download matches its manifest', async () => {
    const { code, out } = await run(target, 'admin', 'restore', file());
    assert.equal(code, 0, out);
    assert.match(out, /All 3 blobs in the index are present/);
    const verify = await run(target, 'audit', 'verify');
    assert.equal(verify.code, 0, verify.out);
    assert.match(verify.out, /Audit log intact: [1-9]\d* linked record\(s\), [1-9]\d* valid signed checkpoint/);
    const restoredManifest = (await (await target.api('GET', '/api/models/lab/backup-lm/manifest/main', { token })).json()) as SignedManifest;
    assert.deepEqual(restoredManifest.manifest.files, manifest.manifest.files);
    assert.equal(restoredManifest.manifest.commit, manifest.manifest.commit);
    for (const entry of manifest.manifest.files) {
      const res = await target.api('GET', `/lab/backup-lm/resolve/main/${entry.path}`, { token });
      assert.equal(res.status, 200, entry.path);
      const bytes = new Uint8Array(await res.arrayBuffer());
      assert.equal(bytes.length, entry.size);
      assert.equal(sha256(bytes), entry.sha256, entry.path);
    }
    const gated = await target.api('GET', '/api/models/lab/gated-lm', { token });
    assert.equal(gated.status, 200);
  });

  it('continues serial keys after the restored rows, so new records are accepted and chained', async () => {
    await target.createUser('carol');
    const carol = await target.createToken('carol');
    await createRepo(target, carol, 'carol/after-restore');
    await target.flushAudit();
    const verify = await run(target, 'audit', 'verify');
    assert.equal(verify.code, 0, verify.out);
  });

  it('refuses to restore over a database that holds data, unless --force', async () => {
    const refused = await run(target, 'admin', 'restore', file());
    assert.equal(refused.code, 2);
    assert.match(refused.out, /already holds users, repositories or audit records.*--force/);
    assert.equal((await target.api('GET', '/api/models/carol/after-restore')).status, 200, 'nothing was replaced');
    const forced = await run(target, 'admin', 'restore', file(), '--force');
    assert.equal(forced.code, 0, forced.out);
    assert.equal((await target.api('GET', '/api/models/carol/after-restore')).status, 404, 'the database is exactly the backup again');
    assert.equal((await run(target, 'audit', 'verify')).code, 0);
  });

  it('changes nothing when the file is truncated or not a backup', async () => {
    const whole = await fs.readFile(file());
    const cut = path.join(work, 'cut.gz');
    await fs.writeFile(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const truncated = await run(target, 'admin', 'restore', cut, '--force');
    assert.equal(truncated.code, 2, truncated.out);
    assert.match(truncated.out, /damaged|truncated/);
    const junk = path.join(work, 'junk.gz');
    await fs.writeFile(junk, 'hello');
    assert.match((await run(target, 'admin', 'restore', junk, '--force')).out, /not a gzipped Airlock backup/);
    assert.equal((await target.api('GET', '/api/models/lab/backup-lm')).status, 200);
    assert.equal((await run(target, 'audit', 'verify')).code, 0);
  });

  it('names the blobs missing from the store after a restore, and fails', async () => {
    const missing = manifest.manifest.files.find((f) => f.path === 'data/bytes.bin')!.sha256;
    await fs.rm(target.runtime.deps.blobs.localPath(missing)!);
    const { code, out } = await run(target, 'admin', 'restore', file(), '--force');
    assert.equal(code, 1);
    assert.match(out, new RegExp(`missing blob ${missing}`));
    assert.match(out, /1 of 3 blobs in the index are not in/);
  });
});
