import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { runLocalCommand } from '../../cli/local.ts';
import { repoBlobs } from '../repos/repos.tables.ts';
import { runCli } from '../../../test/support/run-cli.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { blobs } from './blobs.tables.ts';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const TWO_DAYS_AGO = new Date(Date.now() - 2 * 86_400_000);

describe('airlock admin gc', () => {
  let server: TestServer;
  let token: string;
  const gc = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await runLocalCommand(server.runtime.deps, ['admin', 'gc', ...args], (line) => lines.push(line));
    assert.equal(code, 0, lines.join('\n'));
    return lines.join('\n');
  };
  const store = () => server.runtime.deps.blobs;
  const upload = async (content: string) => {
    const res = await server.api('PUT', '/api/models/alice/gc-lm/upload', { token, body: Buffer.from(content) });
    assert.equal(res.status, 201);
    return ((await res.json()) as { sha256: string }).sha256;
  };
  /** Makes an upload look as if it happened two days ago (rows and file). */
  const age = async (sha256: string) => {
    const { db } = server.runtime.deps;
    await db.update(blobs).set({ createdAt: TWO_DAYS_AGO }).where(eq(blobs.sha256, sha256));
    await db.update(repoBlobs).set({ createdAt: TWO_DAYS_AGO }).where(eq(repoBlobs.blobSha256, sha256));
    const file = store().localPath(sha256);
    if (file) await fs.utimes(file, TWO_DAYS_AGO, TWO_DAYS_AGO);
  };
  /** A file in the store with no database row, as a server killed between rename and insert leaves. */
  const strayFile = async (content: string, mtime: Date) => {
    const file = store().localPath(sha(content))!;
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
    await fs.utimes(file, mtime, mtime);
    return sha(content);
  };
  const onDisk = async (sha256: string) => (await store().writtenAt(sha256)) !== null;

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    token = await server.createToken('alice');
    await createRepo(server, token, 'alice/gc-lm');
  });
  after(() => server?.close());

  it('removes only old unreferenced uploads and stray files, and reports each with its size and the total', async () => {
    await uploadFiles(server, token, 'alice/gc-lm', { 'config.json': '{"kept":true}' });
    const committed = sha('{"kept":true}');
    await age(committed);
    const pending = await upload('pending upload, not yet committed');
    const abandoned = await upload('abandoned upload');
    await age(abandoned);
    const strayOld = await strayFile('stray bytes from a crash', TWO_DAYS_AGO);
    const strayYoung = await strayFile('an upload about to record its row', new Date());

    const dry = await gc('--dry-run');
    assert.match(dry, new RegExp(`would remove ${abandoned} 16 bytes`));
    assert.match(dry, new RegExp(`would remove ${strayOld} 24 bytes \\(file without a database row\\)`));
    assert.match(dry, /Would remove 2 unreferenced blobs, 40 bytes/);
    for (const s of [committed, pending, abandoned, strayOld, strayYoung]) assert.ok(await onDisk(s), 'a dry run removes nothing');

    const out = await gc();
    assert.match(out, /Removed 2 unreferenced blobs, 40 bytes/);
    assert.equal(await onDisk(abandoned), false);
    assert.equal(await onDisk(strayOld), false);
    for (const s of [committed, pending, strayYoung]) assert.ok(await onDisk(s), `${s} must stay`);
    const rows = (await server.runtime.deps.db.select({ sha256: blobs.sha256 }).from(blobs)).map((r) => r.sha256);
    assert.ok(rows.includes(committed) && rows.includes(pending) && !rows.includes(abandoned));

    const download = await fetch(`${server.url}/alice/gc-lm/resolve/main/config.json`);
    assert.equal(await download.text(), '{"kept":true}');
    assert.match(await gc(), /Removed 0 unreferenced blobs, 0 bytes/, 'a second run finds nothing left');
  });

  it('refuses a commit of a collected upload, and accepts it once the file is uploaded again', async () => {
    const gone = sha('abandoned upload');
    const commit = (sha256: string) => server.api('POST', '/api/models/alice/gc-lm/commit/main', { token, json: { message: 'late', operations: [{ op: 'add', path: 'late.txt', sha256 }] } });
    const refused = await commit(gone);
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { code: string }).code, 'blob_not_uploaded');
    assert.equal(await upload('abandoned upload'), gone);
    assert.equal((await commit(gone)).status, 201);
  });

  it('spares an old upload whose bytes were uploaded again just now (not yet committed)', async () => {
    const again = await upload('uploaded twice');
    await age(again);
    await upload('uploaded twice');
    assert.match(await gc(), /Removed 0 unreferenced blobs/);
    assert.ok(await onDisk(again));
  });

  it('collects everything unreferenced with --grace 0s, never a committed blob', async () => {
    const out = await gc('--grace', '0s');
    assert.match(out, new RegExp(`removed ${sha('pending upload, not yet committed')}`));
    assert.match(out, new RegExp(`removed ${sha('uploaded twice')}`));
    assert.doesNotMatch(out, new RegExp(sha('{"kept":true}')));
    assert.doesNotMatch(out, new RegExp(sha('abandoned upload')), 'committed since');
    const tree = (await (await server.api('GET', '/api/models/alice/gc-lm/tree/main')).json()) as { path: string; lfs?: unknown; oid: string }[];
    for (const entry of tree) {
      const res = await fetch(`${server.url}/alice/gc-lm/resolve/main/${entry.path}`);
      assert.equal(res.status, 200, entry.path);
    }
  });

  it('rejects a malformed grace period naming the option', async () => {
    const lines: string[] = [];
    const code = await runLocalCommand(server.runtime.deps, ['admin', 'gc', '--grace', 'soon'], (line) => lines.push(line));
    assert.equal(code, 2);
    assert.match(lines.join('\n'), /--grace must be a number followed by s, m, h or d/);
  });

  it('runs from the command line through the running server', { skip: Boolean(process.env.AIRLOCK_TEST_DATABASE_URL) }, async () => {
    const res = await runCli(['admin', 'gc', '--dry-run'], { env: { AIRLOCK_DATA: server.dataDir, DATABASE_URL: server.runtime.deps.config.databaseUrl } });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Would remove 0 unreferenced blobs, 0 bytes/);
  });
});

describe('the file-system store removing a blob for the collector', () => {
  it('puts back a blob whose bytes were written after the cutoff, and removes an older one', async () => {
    const { FileSystemBlobStore } = await import('./blob-store.ts');
    const { Readable } = await import('node:stream');
    const os = await import('node:os');
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-gc-store-'));
    try {
      const s = new FileSystemBlobStore(root);
      await s.init();
      const fresh = await s.put(Readable.from([Buffer.from('fresh')]));
      assert.equal(await s.removeIfWrittenBefore(fresh.sha256, new Date(Date.now() - 60_000)), 'recent');
      assert.ok(await s.exists(fresh.sha256));
      assert.equal(await s.removeIfWrittenBefore(fresh.sha256, new Date(Date.now() + 60_000)), 'removed');
      assert.equal(await s.exists(fresh.sha256), false);
      assert.equal(await s.removeIfWrittenBefore(fresh.sha256, new Date()), 'missing');
      assert.deepEqual(await fs.readdir(path.join(root, 'tmp')), [], 'nothing left aside');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
