import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { and, eq, gt } from 'drizzle-orm';
import { auditEvents } from '../modules/audit/audit.tables.ts';
import { runCli } from '../../test/support/run-cli.ts';
import { createRepo, startTestServer, type TestServer } from '../../test/support/test-server.ts';

/** The folder uploaded, by repository path; `.git/HEAD` is on disk too but must not be uploaded. */
const FILES: Record<string, Buffer> = {
  'README.md': Buffer.from('---\nlicense: mit\n---\n# Tree\n'),
  'config.json': Buffer.from('{"a":1}'),
  'empty.txt': Buffer.alloc(0),
  'nested/with space.txt': Buffer.from('a name with a space'),
  'nested/log.txt': Buffer.from(randomBytes(96 * 1024).toString('base64')),
  'nested/deeper/weights.safetensors': randomBytes(300 * 1024),
  'données/modèle ü.json': Buffer.from('{"é":1}'),
};
const LFS_FILE = 'nested/deeper/weights.safetensors';
const SMALL_FILE = 'nested/log.txt';

describe('airlock upload and download against a running server', () => {
  let server: TestServer;
  let token: string;
  let tmp: string;
  let env: Record<string, string>;

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    token = await server.createToken('alice');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-transfer-'));
    env = { AIRLOCK_ENDPOINT: server.url, AIRLOCK_TOKEN: token, AIRLOCK_CONFIG_DIR: path.join(tmp, 'config') };
    await createRepo(server, token, 'alice/tree');
  });
  after(async () => {
    await server.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  const writeTree = async (root: string, files: Record<string, Buffer>) => {
    for (const [name, bytes] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await fs.writeFile(path.join(root, name), bytes);
    }
  };

  /** The `file.downloaded` audit records of one path, newer than `afterSeq`, once the server has written them. */
  const downloadsOf = async (filePath: string, afterSeq: number, expected: number) => {
    const { db } = server.runtime.deps;
    for (let tries = 0; ; tries++) {
      const rows = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'file.downloaded'), gt(auditEvents.seq, afterSeq))).orderBy(auditEvents.seq);
      const mine = rows.filter((r) => r.details.path === filePath);
      // The server records a download when its stream closes, which can trail the client's exit.
      if (mine.length >= expected || tries >= 50) return mine;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const lastSeq = async () => {
    const rows = await server.runtime.deps.db.select({ seq: auditEvents.seq }).from(auditEvents);
    return Math.max(0, ...rows.map((r) => r.seq));
  };

  it('uploads a folder with nested folders, spaces, non-ASCII names and an empty file, and downloads the same bytes', async () => {
    const source = path.join(tmp, 'source');
    await writeTree(source, { ...FILES, '.git/HEAD': Buffer.from('ref: refs/heads/main\n') });
    const single = path.join(tmp, 'single', 'NOTES.md');
    await writeTree(path.dirname(single), { 'NOTES.md': Buffer.from('notes\n') });

    const upload = await runCli(['upload', 'alice/tree', source, single, '--message', 'first upload'], { env });
    assert.equal(upload.code, 0, upload.stderr);
    assert.match(upload.stdout, /^Committed 8 files to alice\/tree@main: [0-9a-f]{40}$/m);
    assert.match(upload.stdout, /\/alice\/tree\/commit\/[0-9a-f]{40}$/m);
    // Without a terminal, each finished file is one line.
    assert.match(upload.stderr, /^ {2}uploaded données\/modèle ü\.json /m);

    const tree = (await (await server.api('GET', '/api/models/alice/tree/tree/main?recursive=true', { token })).json()) as Array<{ type: string; path: string }>;
    assert.deepEqual(tree.filter((e) => e.type === 'file').map((e) => e.path).sort(), [...Object.keys(FILES), 'NOTES.md'].sort());

    const out = path.join(tmp, 'copy');
    const download = await runCli(['download', 'alice/tree', '--to', out], { env });
    assert.equal(download.code, 0, download.stderr);
    assert.ok(download.stdout.includes(`into ${out}`), download.stdout);
    assert.match(download.stdout, /^Done: 8 downloaded\./m);
    for (const [name, bytes] of Object.entries(FILES)) assert.deepEqual(await fs.readFile(path.join(out, name)), bytes, name);
    assert.equal(await fs.readFile(path.join(out, 'NOTES.md'), 'utf8'), 'notes\n');

    const again = await runCli(['download', 'alice/tree', '--to', out], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Done: 0 downloaded, 8 already up to date\./m);
  });

  it('downloads only the files that match --include, into ./OWNER__NAME by default', async () => {
    const cwd = path.join(tmp, 'cwd');
    await fs.mkdir(cwd);
    const result = await runCli(['download', 'alice/tree', '--include', '*.json', '--include', 'nested/deeper/**'], { env, cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes(`into .${path.sep}alice__tree`), result.stdout);
    const listed: string[] = [];
    for (const entry of await fs.readdir(path.join(cwd, 'alice__tree'), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) listed.push(path.relative(path.join(cwd, 'alice__tree'), path.join(entry.parentPath ?? entry.path, entry.name)).split(path.sep).join('/'));
    }
    assert.deepEqual(listed.sort(), ['config.json', 'données/modèle ü.json', LFS_FILE].sort());

    const none = await runCli(['download', 'alice/tree', '--include', '*.gguf', '--to', path.join(tmp, 'none')], { env });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error: No file of alice\/tree at main matches --include "\*\.gguf"/m);
  });

  it('resumes a partial download with a Range request and checks the whole file', async () => {
    const out = path.join(tmp, 'resume');
    const bytes = FILES[LFS_FILE]!;
    const half = Math.floor(bytes.length / 2);
    await writeTree(out, { [`${LFS_FILE}.incomplete`]: bytes.subarray(0, half) });
    const since = await lastSeq();

    const result = await runCli(['download', 'alice/tree', '--to', out, '--include', LFS_FILE], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /resumed at 150\.0 KiB nested\/deeper\/weights\.safetensors/);
    assert.deepEqual(await fs.readFile(path.join(out, LFS_FILE)), bytes);
    await assert.rejects(fs.stat(path.join(out, `${LFS_FILE}.incomplete`)), { code: 'ENOENT' });

    const audited = await downloadsOf(LFS_FILE, since, 1);
    assert.deepEqual(audited.map((r) => r.details.range), [`${half}-${bytes.length - 1}`]);
    assert.equal(audited[0]!.details.bytesSent, bytes.length - half);
  });

  it('detects a corrupted partial download by its hash and downloads it again from the start', async () => {
    const out = path.join(tmp, 'corrupt');
    const bytes = FILES[SMALL_FILE]!;
    const half = Math.floor(bytes.length / 2);
    const corrupted = Buffer.from(bytes.subarray(0, half));
    corrupted[100] = corrupted[100]! ^ 0xff;
    await writeTree(out, { [`${SMALL_FILE}.incomplete`]: corrupted });
    const since = await lastSeq();

    const result = await runCli(['download', 'alice/tree', '--to', out, '--include', SMALL_FILE], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /nested\/log\.txt: the partial download did not match its git sha1; downloading it again from the start/);
    assert.deepEqual(await fs.readFile(path.join(out, SMALL_FILE)), bytes);

    const audited = await downloadsOf(SMALL_FILE, since, 2);
    assert.deepEqual(audited.map((r) => r.details.range), [`${half}-${bytes.length - 1}`, null]);
  });

  it('replaces a local file whose content differs from the revision', async () => {
    const out = path.join(tmp, 'stale');
    await writeTree(out, { 'config.json': Buffer.from('{"a":2}') });
    const result = await runCli(['download', 'alice/tree', '--to', out, '--include', 'config.json'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await fs.readFile(path.join(out, 'config.json'), 'utf8'), '{"a":1}');
  });
});
