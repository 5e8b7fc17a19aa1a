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

  it('creates a token that the server accepts, and an organisation its owner can publish under', async () => {
    const env = { AIRLOCK_DATA: dataDir };
    const token = await runCli(['admin', 'create-token', '--username', 'operator', '--name', 'laptop', '--scope', 'write'], { env });
    assert.equal(token.code, 0, token.stderr);
    const value = token.stdout.trim();
    assert.match(value, /^hf_[A-Za-z0-9]{43}$/);
    const whoami = await fetch(`${server.url}/api/whoami-v2`, { headers: { Authorization: `Bearer ${value}` } });
    assert.equal(whoami.status, 200);
    const me = (await whoami.json()) as { name: string; auth: { accessToken: { displayName: string; role: string } } };
    assert.deepEqual([me.name, me.auth.accessToken.displayName, me.auth.accessToken.role], ['operator', 'laptop', 'write']);

    const org = await runCli(['admin', 'create-org', '--name', 'lab', '--owner', 'operator'], { env });
    assert.equal(org.code, 0, org.stderr);
    assert.match(org.stdout, /Created organisation lab, owned by operator \(admin\)/);
    const created = await fetch(`${server.url}/api/repos`, { method: 'POST', headers: { Authorization: `Bearer ${value}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ repo: 'lab/first-model' }) });
    assert.equal(created.status, 201, await created.clone().text());
    const orgs = (await (await fetch(`${server.url}/api/whoami-v2`, { headers: { Authorization: `Bearer ${value}` } })).json()) as { orgs: { name: string; roleInOrg: string }[] };
    assert.deepEqual(orgs.orgs.map((o) => [o.name, o.roleInOrg]), [['lab', 'admin']]);

    const unknown = await runCli(['admin', 'create-org', '--name', 'lab2', '--owner', 'nobody'], { env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stdout + unknown.stderr, /No user named "nobody"/);
  });
});
