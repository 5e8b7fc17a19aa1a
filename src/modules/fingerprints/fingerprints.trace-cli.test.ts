import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../../test/support/run-cli.ts';
import { assembleSafetensors, buildSafetensors, copyRange, SMALL_MODEL } from '../../../test/support/safetensors.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { marksOf, planCopy } from './fingerprints.models.ts';
import { loadFingerprintSecret } from './fingerprints.secret.ts';
import { parseSafetensorsHeader } from './safetensors.ts';

const REPO = 'lab/traced-lm';
const WEIGHTS = buildSafetensors('trace-cli', SMALL_MODEL);
const RECIPIENTS = ['ana', 'ben', 'cleo', 'dev', 'eli'];

describe('airlock trace FILE', () => {
  let server: TestServer;
  let dir: string;
  const copies = new Map<string, Buffer>();
  const userIds = new Map<string, string>();
  const trace = (file: string, extra: string[] = []) =>
    runCli(['trace', file, ...extra], { env: { AIRLOCK_DATA: server.dataDir, DATABASE_URL: server.runtime.deps.config.databaseUrl } });
  const write = async (name: string, bytes: Buffer) => {
    const file = path.join(dir, name);
    await fs.writeFile(file, bytes);
    return file;
  };

  before(async () => {
    server = await startTestServer();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-trace-'));
    await server.createUser('lab');
    const owner = await server.createToken('lab');
    await createRepo(server, owner, REPO, { accessLevel: 'reviewed' });
    await uploadFiles(server, owner, REPO, { 'weights/model.safetensors': WEIGHTS });
    assert.equal((await server.api('PUT', `/api/models/${REPO}/fingerprinting`, { token: owner, json: { enabled: true } })).status, 200);
    for (const name of RECIPIENTS) {
      userIds.set(name, (await server.createUser(name)).id);
      assert.equal((await server.api('POST', `/api/models/${REPO}/user-access-request/grant`, { token: owner, json: { user: name } })).status, 200);
      const res = await server.api('GET', `/${REPO}/resolve/main/weights/model.safetensors`, { token: await server.createToken(name, 'read') });
      copies.set(name, Buffer.from(await res.arrayBuffer()));
    }
  });
  after(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('names the recipient of a complete copy, with the agreeing bits and the chance of a false match', async () => {
    const result = await trace(await write('cleo.safetensors', copies.get('cleo')!));
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /Recipient: cleo /);
    assert.match(result.stdout, /Compared with lab\/traced-lm:weights\/model\.safetensors/);
    assert.match(result.stdout, /128 of 128 decided code bits agree/);
    assert.match(result.stdout, /Chance an innocent recipient matches this well: \d\.\d\de-\d+/);
  });

  it('names the recipient of a copy with tensors removed, searching one repository', async () => {
    const copy = copies.get('ana')!;
    const header = parseSafetensorsHeader(copy, copy.length);
    const kept = header.tensors.filter((t) => t.dtype !== 'F32');
    const trimmed = assembleSafetensors(kept.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: copy.subarray(header.dataStart + t.begin, header.dataStart + t.end) })));
    const result = await trace(await write('trimmed.safetensors', trimmed), ['--repo', REPO]);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /Recipient: ana /);
  });

  it('names the recipient when a fifth of the touched elements were re-randomised', async () => {
    const copy = Buffer.from(copies.get('eli')!);
    const secret = await loadFingerprintSecret(server.dataDir);
    const plan = planCopy(secret, createHash('sha256').update(WEIGHTS).digest('hex'), parseSafetensorsHeader(WEIGHTS), userIds.get('eli')!);
    for (const t of plan.tensors) {
      for (const mark of marksOf(t, 0, Math.ceil(t.elementCount / 1024))) {
        const at = t.start + mark.element * t.elementSize;
        if (Math.random() < 0.2) copy[at] = (copy[at]! & 0xfe) | (Math.random() < 0.5 ? 1 : 0);
      }
    }
    const result = await trace(await write('noisy.safetensors', copy));
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /Recipient: eli /);
  });

  it('names nobody for the original or for the copy of someone never recorded as a recipient', async () => {
    const original = await trace(await write('original.safetensors', WEIGHTS));
    assert.equal(original.code, 1);
    assert.match(original.stdout, /nobody named/);
    assert.doesNotMatch(original.stdout, /Recipient:/);
    const secret = await loadFingerprintSecret(server.dataDir);
    const fileSha256 = createHash('sha256').update(WEIGHTS).digest('hex');
    const strangersCopy = await copyRange(WEIGHTS, planCopy(secret, fileSha256, parseSafetensorsHeader(WEIGHTS), randomUUID()));
    const stranger = await trace(await write('stranger.safetensors', strangersCopy));
    assert.equal(stranger.code, 1);
    assert.doesNotMatch(stranger.stdout, /Recipient:/);
  });

  it('says it cannot decide for a truncated or corrupt file', async () => {
    for (const bytes of [copies.get('ben')!.subarray(0, 50_000), Buffer.from('not a safetensors file at all')]) {
      const result = await trace(await write('bad.safetensors', bytes));
      assert.equal(result.code, 1);
      assert.match(result.stdout, /cannot decide/);
    }
  });
});
