import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { runCli } from '../../../test/support/run-cli.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, signIn } from '../../../test/support/web-client.ts';
import { linkHash } from './audit.models.ts';
import { auditEvents } from './audit.tables.ts';

type Line = { type: string; position?: number; hash?: string; prevHash?: string; event?: { seq: number; action: string; repoId: string; details: Record<string, unknown>; at: string } };

const parseLines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Line);

/** Downloads are recorded when their stream closes, just after the response: wait for the record. */
async function waitForAction(server: TestServer, action: string, count = 1) {
  for (let i = 0; i < 200; i++) {
    const rows = await server.runtime.deps.db.select({ seq: auditEvents.seq }).from(auditEvents).where(eq(auditEvents.action, action));
    if (rows.length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no ${action} record`);
}

describe('exporting a repository\'s audit records', () => {
  let server: TestServer;
  let dir: string;
  const tokens: Record<string, string> = {};
  const passwords: Record<string, string> = {};
  const cli = (args: string[], token?: string) => runCli(['audit', ...args], { env: { AIRLOCK_ENDPOINT: server.url, AIRLOCK_TOKEN: token }, cwd: dir });

  before(async () => {
    server = await startTestServer();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-export-'));
    for (const name of ['owner', 'writer', 'reader', 'outsider', 'operator']) {
      passwords[name] = (await server.createUser(name, { platformRoles: name === 'operator' ? ['admin'] : [] })).password;
      tokens[name] = await server.createToken(name, name === 'outsider' ? 'read' : 'write');
    }
    await server.createOrg('acme', 'owner', { writer: 'write', reader: 'read' });
    await createRepo(server, tokens.owner!, 'acme/model', { accessLevel: 'reviewed' });
    await createRepo(server, tokens.owner!, 'acme/other');
    await uploadFiles(server, tokens.owner!, 'acme/model', { 'weights.bin': 'w'.repeat(5000), 'config.json': '{}' });
    await uploadFiles(server, tokens.owner!, 'acme/other', { 'x.txt': 'x' });
    // An allowed download (a member), a refused one (an outsider without a grant), then a grant and a revocation.
    await (await server.api('GET', '/acme/model/resolve/main/weights.bin', { token: tokens.owner })).arrayBuffer();
    assert.equal((await server.api('GET', '/acme/model/resolve/main/weights.bin', { token: tokens.outsider })).status, 403);
    assert.equal((await server.api('POST', '/api/models/acme/model/grants', { token: tokens.owner, json: { user: 'outsider' } })).status, 201);
    assert.equal((await server.api('POST', '/api/models/acme/model/grants/revoke', { token: tokens.owner, json: { user: 'outsider', reason: 'test over' } })).status, 200);
    await waitForAction(server, 'file.downloaded');
    await server.flushAudit();
    await fs.writeFile(path.join(dir, 'keys.json'), await (await server.api('GET', '/.well-known/airlock/keys.json')).text());
  });
  after(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes every record of the repository, and only those, with positions, hashes and proofs', async () => {
    const result = await cli(['export', '--repo', 'acme/model', '--out', 'model.jsonl'], tokens.owner);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Wrote \d+ record\(s\) of acme\/model/);
    const lines = parseLines(await fs.readFile(path.join(dir, 'model.jsonl'), 'utf8'));
    assert.equal(lines[0]!.type, 'header');
    const records = lines.filter((l) => l.type === 'record');
    const repoIds = new Set(records.map((r) => r.event!.repoId));
    assert.equal(repoIds.size, 1);
    const actions = records.map((r) => r.event!.action);
    for (const action of ['repo.created', 'repo.committed', 'file.downloaded', 'access.denied', 'grant.created', 'grant.revoked']) assert.ok(actions.includes(action), `${action} missing from ${actions.join(', ')}`);
    assert.ok(!records.some((r) => JSON.stringify(r.event).includes('x.txt')), 'a record of acme/other was exported');
    for (const r of records) assert.equal(linkHash(r.prevHash!, { ...r.event!, at: new Date(r.event!.at) } as never), r.hash);
    const positions = records.map((r) => r.position!);
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
    const denial = records.find((r) => r.event!.action === 'access.denied')!;
    assert.equal(denial.event!.details.path, 'weights.bin');
  });

  it('verifies an untouched export offline against the saved key set', async () => {
    const result = await cli(['verify-export', 'model.jsonl', '--keys', 'keys.json']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Export of acme\/model verified: \d+ record\(s\)/);
  });

  it('names an altered record and exits non-zero', async () => {
    const lines = (await fs.readFile(path.join(dir, 'model.jsonl'), 'utf8')).trim().split('\n');
    const index = lines.findIndex((l) => l.includes('"action":"access.denied"'));
    const record = JSON.parse(lines[index]!) as Line;
    record.event!.details.path = 'config.json';
    lines[index] = JSON.stringify(record);
    await fs.writeFile(path.join(dir, 'altered.jsonl'), `${lines.join('\n')}\n`);
    const result = await cli(['verify-export', 'altered.jsonl', '--keys', 'keys.json']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`Record ${record.event!.seq} \\(position ${record.position}, line ${index + 1}\\) was altered`));
    assert.equal(result.stderr.match(/^error: Record/gm)?.length, 1, result.stderr);
  });

  it('names a record whose hash was recomputed to match, through the signed Merkle root', async () => {
    const lines = (await fs.readFile(path.join(dir, 'model.jsonl'), 'utf8')).trim().split('\n');
    const index = lines.findIndex((l) => l.includes('"action":"grant.revoked"'));
    const record = JSON.parse(lines[index]!) as Line;
    record.event!.details.reason = 'never happened';
    record.hash = linkHash(record.prevHash!, { ...record.event!, at: new Date(record.event!.at) } as never);
    lines[index] = JSON.stringify(record);
    await fs.writeFile(path.join(dir, 'rehashed.jsonl'), `${lines.join('\n')}\n`);
    const result = await cli(['verify-export', 'rehashed.jsonl', '--keys', 'keys.json']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`Record ${record.event!.seq} .*is not in the chain signed by checkpoint`));
  });

  it('names records that were swapped, and lines that are not records', async () => {
    const lines = (await fs.readFile(path.join(dir, 'model.jsonl'), 'utf8')).trim().split('\n');
    const first = lines.findIndex((l) => l.startsWith('{"type":"record"'));
    [lines[first], lines[first + 1]] = [lines[first + 1]!, lines[first]!];
    lines.push('{"type":"record","truncated');
    await fs.writeFile(path.join(dir, 'swapped.jsonl'), `${lines.join('\n')}\n`);
    const result = await cli(['verify-export', 'swapped.jsonl', '--keys', 'keys.json']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`line ${first + 2}\\) is out of chain order`));
    assert.match(result.stderr, new RegExp(`Line ${lines.length} is not JSON`));
  });

  it('refuses an export whose checkpoint signature was forged, and one checked against another server\'s keys', async () => {
    const text = await fs.readFile(path.join(dir, 'model.jsonl'), 'utf8');
    await fs.writeFile(path.join(dir, 'forged.jsonl'), text.replace(/"merkleRoot":"[0-9a-f]{2}/, '"merkleRoot":"00'));
    const forged = await cli(['verify-export', 'forged.jsonl', '--keys', 'keys.json']);
    assert.equal(forged.code, 1);
    assert.match(forged.stderr, /Checkpoint \d+ \(line \d+\) has no valid signature/);
    await fs.writeFile(path.join(dir, 'other-keys.json'), JSON.stringify({ keys: [] }));
    const unknown = await cli(['verify-export', 'model.jsonl', '--keys', 'other-keys.json']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /not in the key set/);
  });

  it('exports only records from --since on', async () => {
    const result = await cli(['export', '--repo', 'acme/model', '--since', '2999-01-01'], tokens.owner);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(parseLines(result.stdout).map((l) => l.type), ['header']);
    const bad = await cli(['export', '--repo', 'acme/model', '--since', 'yesterday'], tokens.owner);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /since/);
  });

  it('lets only admins of the owner and platform admins export', async () => {
    const status = async (token?: string) => (await server.api('GET', '/api/models/acme/model/audit/export', { token })).status;
    assert.equal(await status(tokens.owner), 200);
    assert.equal(await status(tokens.operator), 200);
    assert.equal(await status(tokens.writer), 403);
    assert.equal(await status(tokens.reader), 403);
    assert.equal(await status(tokens.outsider), 403);
    assert.equal(await status(undefined), 401);
    const refused = await cli(['export', '--repo', 'acme/model'], tokens.writer);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Only admins of the repository's owner/);
  });

  it('offers the export as a download on the repository\'s audit page', async () => {
    const cookie = await signIn(server, 'owner', passwords.owner!);
    assert.match(await (await getPage(server, '/acme/model', { cookie })).text(), /href="\/acme\/model\/audit"/, 'the repository page links its audit log for its admins');
    const page = await getPage(server, '/acme/model/audit', { cookie });
    assert.equal(page.status, 200);
    const html = await page.text();
    const href = /href="([^"]+)"[^>]*data-testid="audit-export"/.exec(html)?.[1];
    assert.equal(href, '/api/models/acme/model/audit/export');
    assert.match(html, /access\.denied/);
    const download = await fetch(`${server.url}${href}`, { headers: { cookie } });
    assert.equal(download.status, 200);
    assert.match(download.headers.get('content-disposition') ?? '', /acme__model\.audit\.jsonl/);
    assert.equal(parseLines(await download.text())[0]!.type, 'header');
    const writerCookie = await signIn(server, 'writer', passwords.writer!);
    assert.equal((await getPage(server, '/acme/model/audit', { cookie: writerCookie })).status, 403);
    assert.doesNotMatch(await (await getPage(server, '/acme/model', { cookie: writerCookie })).text(), /href="\/acme\/model\/audit"/);
  });

});
