import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../test/support/run-cli.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../test/support/test-server.ts';

describe('airlock login, repo, grant and revoke against a running server', () => {
  let server: TestServer;
  let aliceToken: string;
  let bobToken: string;
  let tmp: string;
  let emptyConfig: string;
  const as = (token: string | undefined) => ({ AIRLOCK_ENDPOINT: server.url, AIRLOCK_TOKEN: token, AIRLOCK_CONFIG_DIR: emptyConfig });

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    await server.createUser('bob');
    aliceToken = await server.createToken('alice');
    bobToken = await server.createToken('bob', 'read');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-cli-'));
    emptyConfig = path.join(tmp, 'no-config');
  });
  after(async () => {
    await server.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('saves a token read from standard input readable by its owner only, and repo create then works without AIRLOCK_TOKEN', async () => {
    const configDir = path.join(tmp, 'login', 'airlock');
    const login = await runCli(['login'], { env: { AIRLOCK_ENDPOINT: server.url, AIRLOCK_CONFIG_DIR: configDir }, input: `${aliceToken}\n` });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, new RegExp(`^Signed in to ${server.url.replace(/[.]/g, '\\.')} as alice$`, 'm'));
    assert.ok(!login.stdout.includes(aliceToken) && !login.stderr.includes(aliceToken), 'the token is never printed');

    const file = path.join(configDir, 'credentials.json');
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    assert.equal((await fs.stat(configDir)).mode & 0o777, 0o700);
    assert.deepEqual(JSON.parse(await fs.readFile(file, 'utf8')), { endpoint: server.url, token: aliceToken });

    // Neither AIRLOCK_TOKEN nor AIRLOCK_ENDPOINT: both come from the saved file.
    // Release review is strict by default: a gated level comes after an assessment, and the CLI says how.
    const refused = await runCli(['repo', 'create', 'alice/first', '--access', 'agreement'], { env: { AIRLOCK_CONFIG_DIR: configDir } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: accessLevel: .*Create alice\/first at "no-download", submit a risk–benefit assessment/m);
    const created = await runCli(['repo', 'create', 'alice/first', '--access', 'no-download'], { env: { AIRLOCK_CONFIG_DIR: configDir } });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^Created model alice\/first \(access: no-download, public\)$/m);
    assert.match(created.stdout, new RegExp(`^${server.url.replace(/[.]/g, '\\.')}/alice/first$`, 'm'));
    const info = (await (await server.api('GET', '/api/models/alice/first', { token: aliceToken })).json()) as { accessLevel: string };
    assert.equal(info.accessLevel, 'no-download');
  });

  it('refuses to save a token the server does not accept', async () => {
    const configDir = path.join(tmp, 'bad-login');
    const login = await runCli(['login', '--token', 'hf_notarealtoken', '--endpoint', server.url], { env: { AIRLOCK_CONFIG_DIR: configDir } });
    assert.equal(login.code, 1);
    assert.match(login.stderr, /^error: Invalid credentials/m);
    await assert.rejects(fs.stat(path.join(configDir, 'credentials.json')), { code: 'ENOENT' });
  });

  it('prints the login hint when the server refuses the token', async () => {
    const result = await runCli(['repo', 'create', 'alice/never'], { env: as('hf_thisTokenDoesNotExist') });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: Invalid credentials in Authorization header/m);
    assert.match(result.stderr, /The token in AIRLOCK_TOKEN was refused .*run `airlock login` or set AIRLOCK_TOKEN/);
  });

  it('asks whether the server is running when nothing answers at the endpoint', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const result = await runCli(['repo', 'create', 'alice/offline'], { env: { AIRLOCK_ENDPOINT: endpoint, AIRLOCK_TOKEN: aliceToken, AIRLOCK_CONFIG_DIR: emptyConfig } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: could not reach/m);
    assert.ok(result.stderr.includes(`Is the server running at ${endpoint}?`), result.stderr);
  });

  it('exits with code 2 and the usage on a usage mistake, and prints each command\'s options with --help', async () => {
    const missing = await runCli(['repo', 'create'], { env: as(aliceToken) });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Name the repository as OWNER\/NAME[\s\S]*Usage: airlock repo create/);
    const unknown = await runCli(['download', 'alice/first', '--colour'], { env: as(aliceToken) });
    assert.equal(unknown.code, 2);
    for (const command of ['login', 'repo', 'upload', 'download', 'grant', 'revoke']) {
      const help = await runCli([command, '--help'], { env: as(undefined) });
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`^Usage: airlock ${command}`), command);
    }
  });

  it('lets another user download a reviewed repository only between a grant and its revocation', async () => {
    await createRepo(server, aliceToken, 'alice/secret', { accessLevel: 'reviewed' });
    const weights = Buffer.alloc(5000, 3);
    await uploadFiles(server, aliceToken, 'alice/secret', { 'README.md': '# Secret\n', 'weights.bin': weights });
    const download = (to: string) => runCli(['download', 'alice/secret', '--to', path.join(tmp, to)], { env: as(bobToken) });

    const refused = await download('before');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: Access to model alice\/secret is restricted: you need an approved access application\. Apply at http:\/\/\S+\/alice\/secret$/m);
    await assert.rejects(fs.stat(path.join(tmp, 'before', 'weights.bin')));

    const grant = await runCli(['grant', 'alice/secret', 'bob', '--until', '2099-01-01'], { env: as(aliceToken) });
    assert.equal(grant.code, 0, grant.stderr);
    assert.match(grant.stdout, /^Granted bob access to alice\/secret until 2099-01-01T00:00:00\.000Z$/m);

    const allowed = await download('granted');
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.deepEqual(await fs.readFile(path.join(tmp, 'granted', 'weights.bin')), weights);

    const notOwner = await runCli(['revoke', 'alice/secret', 'bob'], { env: as(bobToken) });
    assert.equal(notOwner.code, 1);
    assert.match(notOwner.stderr, /^error: /m);

    const revoke = await runCli(['revoke', 'alice/secret', 'bob', '--reason', 'the study ended'], { env: as(aliceToken) });
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.match(revoke.stdout, /^Revoked bob's access to alice\/secret$/m);

    const revoked = await download('after');
    assert.equal(revoked.code, 1);
    assert.match(revoked.stderr, /^error: Access to model alice\/secret is restricted/m);
    await assert.rejects(fs.stat(path.join(tmp, 'after', 'weights.bin')));
  });
});
