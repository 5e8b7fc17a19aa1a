import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { runCli } from '../../test/support/run-cli.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../test/support/test-server.ts';

const FILES = { 'README.md': '# A released model\n', 'weights/model.safetensors': 'w'.repeat(5000), 'config.json': '{"layers":2}' };

describe('airlock verify against a signed release manifest', () => {
  let server: TestServer;
  let env: Record<string, string>;
  let copy: string;
  let saved: string;
  before(async () => {
    server = await startTestServer();
    await server.createUser('lab');
    const token = await server.createToken('lab');
    await createRepo(server, token, 'lab/release');
    await uploadFiles(server, token, 'lab/release', FILES);
    env = { AIRLOCK_ENDPOINT: server.url, AIRLOCK_CONFIG_DIR: await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-cfg-')) };
    saved = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-saved-'));
    await fs.writeFile(path.join(saved, 'manifest.json'), await (await server.api('GET', '/api/models/lab/release/manifest/main?download')).text());
    await fs.writeFile(path.join(saved, 'keys.json'), await (await server.api('GET', '/.well-known/airlock/keys.json')).text());
  });
  after(() => server.close());

  beforeEach(async () => {
    // A "torrent" copy: the same files, written by someone else, outside Airlock.
    copy = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-copy-'));
    for (const [name, content] of Object.entries(FILES)) {
      await fs.mkdir(path.dirname(path.join(copy, name)), { recursive: true });
      await fs.writeFile(path.join(copy, name), content);
    }
  });

  it('passes a faithful copy, fetching the manifest from the server', async () => {
    const result = await runCli(['verify', copy, '--repo', 'lab/release'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /signature valid/);
    assert.match(result.stdout, /All 3 file\(s\) match/);
  });

  it('names a file with one flipped byte and exits 1', async () => {
    const file = path.join(copy, 'weights/model.safetensors');
    const bytes = await fs.readFile(file);
    bytes[100] = bytes[100]! ^ 1;
    await fs.writeFile(file, bytes);
    const result = await runCli(['verify', copy, '--repo', 'lab/release'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /changed: weights\/model\.safetensors \(sha256/);
  });

  it('names a missing file and an extra file', async () => {
    await fs.rm(path.join(copy, 'config.json'));
    await fs.writeFile(path.join(copy, 'backdoor.py'), 'import os');
    const result = await runCli(['verify', copy, '--repo', 'lab/release'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /missing: config\.json/);
    assert.match(result.stderr, /extra: backdoor\.py/);
  });

  it('works offline with a saved manifest and key set', async () => {
    const offline = { ...env, AIRLOCK_ENDPOINT: 'http://127.0.0.1:9' };
    const result = await runCli(['verify', copy, '--manifest', path.join(saved, 'manifest.json'), '--keys', path.join(saved, 'keys.json')], { env: offline });
    assert.equal(result.code, 0, result.stderr);
  });

  it('refuses a manifest whose contents were edited to match a tampered copy', async () => {
    const tampered = JSON.parse(await fs.readFile(path.join(saved, 'manifest.json'), 'utf8'));
    tampered.manifest.files = tampered.manifest.files.filter((f: { path: string }) => f.path !== 'config.json');
    await fs.writeFile(path.join(saved, 'tampered.json'), JSON.stringify(tampered));
    const result = await runCli(['verify', copy, '--manifest', path.join(saved, 'tampered.json'), '--keys', path.join(saved, 'keys.json')], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /signature does not verify/);
  });
});
