import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../test/support/run-cli.ts';
import { freePort, startServerProcess, type ServerProcess } from '../../test/support/server-process.ts';

describe('the first start of a fresh installation', () => {
  let dataDir: string;
  let server: ServerProcess;
  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-first-'));
    server = await startServerProcess(dataDir, await freePort());
  });
  after(async () => {
    await server.kill('SIGTERM');
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('creates a signing key and prints an admin command that works as printed', async () => {
    // The server answers HTTP a moment before its banner reaches our pipe.
    for (let waited = 0; !/npx airlock admin/.test(server.output()) && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.match(server.output(), /Created a new ed25519 signing key/);
    const printed = /npx airlock (admin create-user .*)$/m.exec(server.output());
    assert.ok(printed, `no admin command in:\n${server.output()}`);
    const args = printed[1]!.replace('"<a long password>"', 'a-long-enough-password').split(/\s+/);
    const result = await runCli(args, { env: { AIRLOCK_DATA: dataDir } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /with platform roles admin/);
  });
});
