import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';

const V1 = 'You will use the model for research only, and never redistribute the weights.';
const V2 = `${V1} You will report any misuse you learn of within 7 days.`;

describe('versioned agreements and signatures', () => {
  let server: TestServer;
  let publisher: string;
  let researcher: string;
  let agreementId: string;
  before(async () => {
    server = await startTestServer();
    await server.createUser('pub');
    await server.createUser('rita');
    publisher = await server.createToken('pub');
    researcher = await server.createToken('rita');
    await createRepo(server, publisher, 'pub/model', { accessLevel: 'agreement' });
  });
  after(() => server.close());

  const publish = (text: string, token = publisher) => server.api('PUT', '/api/models/pub/model/agreement', { token, json: { title: 'Research use', text } });
  const sign = (body: unknown, token = researcher) => server.api('POST', `/api/agreements/${agreementId}/signatures`, { token, json: body });

  it('lets the publisher publish version 1 and anyone read it with its sha256', async () => {
    const res = await publish(V1);
    assert.equal(res.status, 201);
    const body = (await res.json()) as { id: string; version: number };
    agreementId = body.id;
    assert.equal(body.version, 1);
    const read = (await (await server.api('GET', '/api/models/pub/model/agreement')).json()) as { text: string; textSha256: string };
    assert.equal(read.text, V1);
    assert.equal(read.textSha256, createHash('sha256').update(V1).digest('hex'));
  });

  it('refuses to let a researcher publish the agreement', async () => {
    assert.equal((await publish(V2, researcher)).status, 403);
  });

  it('refuses a signature with someone else\'s name, naming the field', async () => {
    const res = await sign({ version: 1, signedName: 'Somebody Else' });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { field: string }).field, 'signedName');
  });

  it('refuses a signature of a version that is not the current one', async () => {
    const res = await sign({ version: 7, signedName: 'rita Example' });
    assert.equal(res.status, 409);
    assert.equal(((await res.json()) as { field: string }).field, 'version');
  });

  it('records a signature with the typed name and the text hash, once', async () => {
    const first = await sign({ version: 1, signedName: '  Rita   example ' });
    assert.equal(first.status, 201);
    const again = await sign({ version: 1, signedName: 'rita Example' });
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { id: string }).id, ((await first.json()) as { id: string }).id);
  });

  it('refuses anonymous and read-only signers', async () => {
    assert.equal((await sign({ version: 1, signedName: 'rita Example' }, '')).status, 401);
    assert.equal((await sign({ version: 1, signedName: 'rita Example' }, await server.createToken('rita', 'read'))).status, 403);
  });

  it('keeps unchanged text at its version and makes changed text a new version', async () => {
    assert.equal(((await (await publish(V1)).json()) as { changed: boolean }).changed, false);
    const res = await publish(V2);
    assert.equal(res.status, 201);
    assert.equal(((await res.json()) as { version: number }).version, 2);
    assert.equal((await sign({ version: 1, signedName: 'rita Example' })).status, 409);
  });

  it('shows the user every signature they made, old versions included', async () => {
    assert.equal((await sign({ version: 2, signedName: 'rita Example' })).status, 201);
    const list = (await (await server.api('GET', '/api/me/signatures', { token: researcher })).json()) as { version: number; repository: { id: string }; textSha256: string }[];
    assert.deepEqual(list.map((s) => s.version).sort(), [1, 2]);
    assert.equal(list[0]!.repository.id, 'pub/model');
    assert.ok(list.every((s) => /^[0-9a-f]{64}$/.test(s.textSha256)));
  });
});
