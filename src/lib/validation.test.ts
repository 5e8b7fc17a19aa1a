import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { createRepo, startTestServer, type TestServer } from '../../test/support/test-server.ts';
import { isAppError } from './errors.ts';
import { MAX_INPUT_DEPTH, parseInput } from './validation.ts';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    assert.ok(isAppError(error), String(error));
    return error;
  }
  assert.fail('expected a refusal');
};

describe('parseInput', () => {
  const schema = z.object({ title: z.string(), tags: z.array(z.string()), extra: z.record(z.string(), z.unknown()).optional() });

  it('refuses a NUL character in a string and names the field, since PostgreSQL text cannot store one', () => {
    const error = refusal(() => parseInput(schema, { title: 'a\u0000b', tags: [] }));
    assert.equal(error.status, 400);
    assert.equal(error.code, 'invalid_input');
    assert.equal(error.field, 'title');
  });

  it('finds a NUL character inside lists, nested values and object keys', () => {
    assert.equal(refusal(() => parseInput(schema, { title: 'ok', tags: ['fine', '\u0000'] })).field, 'tags.1');
    assert.equal(refusal(() => parseInput(schema, { title: 'ok', tags: [], extra: { deep: [{ x: 'y\u0000' }] } })).field, 'extra.deep.0.x');
    assert.equal(refusal(() => parseInput(schema, { title: 'ok', tags: [], extra: { 'k\u0000': 1 } })).field, 'extra.k\u0000');
  });

  it('refuses a lone surrogate, which jsonb cannot store, but keeps paired ones (emoji)', () => {
    const error = refusal(() => parseInput(schema, { title: 'ok', tags: ['a\ud800b'] }));
    assert.equal(error.field, 'tags.0');
    assert.match(error.message, /lone surrogate/);
    assert.equal(refusal(() => parseInput(schema, { title: 'ok', tags: [], extra: { '\udfff': 1 } })).field, 'extra.\udfff');
    assert.equal(parseInput(schema, { title: '🙂', tags: [] }).title, '🙂');
  });

  it('says a field is required only when it is missing, and otherwise what is wrong with it', () => {
    assert.match(refusal(() => parseInput(schema, { tags: [] })).message, /^title: is required\.$/);
    const wrongType = refusal(() => parseInput(schema, { title: 123, tags: [] }));
    assert.equal(wrongType.field, 'title');
    assert.doesNotMatch(wrongType.message, /required/);
    assert.match(wrongType.message, /expected string/);
    assert.match(refusal(() => parseInput(schema, { title: 'ok', tags: [1] })).message, /^tags\.0: .*expected string/);
  });

  it('accepts the same input without NUL characters', () => {
    assert.deepEqual(parseInput(schema, { title: 'é 名 🙂', tags: ['a'], extra: { list: [[['x']]] } }).title, 'é 名 🙂');
  });

  it('refuses nesting too deep to store as JSON, naming the field, in linear time', () => {
    const nest = (levels: number) => {
      let deep: unknown = 'leaf';
      for (let i = 0; i < levels; i++) deep = [deep];
      return deep;
    };
    assert.equal(parseInput(schema, { title: 'ok', tags: [], extra: { deep: nest(MAX_INPUT_DEPTH - 2) } }).title, 'ok');
    const started = performance.now();
    const error = refusal(() => parseInput(schema, { title: 'ok', tags: [], extra: { deep: nest(200_000) } }));
    assert.ok(performance.now() - started < 1000, 'the walk took over a second');
    assert.equal(error.status, 400);
    assert.match(error.field!, /^extra\.deep(\.0)+$/);
    assert.match(error.message, /deeper than 64 levels/);
  });
});

describe('posted forms that are not forms', () => {
  let server: TestServer;
  let token: string;

  before(async () => {
    server = await startTestServer();
    await server.createUser('alice');
    token = await server.createToken('alice');
    await createRepo(server, token, 'alice/forms');
  });
  after(() => server.close());

  it('answers a multipart body that does not parse with a 400 naming the body, not a 500 (Hub paths-info)', async () => {
    const res = await server.api('POST', '/api/models/alice/forms/paths-info/main', { token, body: '{"paths":["a"]}', headers: { 'Content-Type': 'multipart/form-data; boundary=x' } });
    const problem = (await res.json()) as { code: string; field: string };
    assert.equal(res.status, 400);
    assert.equal(problem.code, 'invalid_form');
    assert.equal(problem.field, 'body');
  });

  it('answers the same on a page form with a readable page', async () => {
    const res = await fetch(`${server.url}/login`, { method: 'POST', headers: { accept: 'text/html', origin: server.url, 'content-type': 'multipart/form-data' }, body: 'username=a', redirect: 'manual' });
    const html = await res.text();
    assert.equal(res.status, 400);
    assert.match(html, /<h1>Request not accepted<\/h1>/);
    assert.match(html, /invalid_form/);
  });

  it('refuses a date past the year 9999, naming the field, instead of failing at the database', async () => {
    const res = await server.api('POST', '/api/models/alice/forms/grants', { token, json: { user: 'alice', until: '+010000-01-01T00:00:00Z' } });
    const problem = (await res.json()) as { code: string; field: string };
    assert.equal(res.status, 400, JSON.stringify(problem));
    assert.equal(problem.field, 'until');
  });

  it('refuses a lone surrogate in a reason stored in the audit log, naming it, instead of failing at the database', async () => {
    await server.createUser('ray');
    const admin = await server.createUser('root', { platformRoles: ['admin'] });
    const adminToken = await server.createToken(admin.username);
    assert.equal((await server.api('POST', '/api/users/ray/block', { token: adminToken, json: { reason: 'spam links' } })).status, 200);
    const res = await server.api('POST', '/api/users/ray/unblock', { token: adminToken, json: { reason: '\ud800' } });
    const problem = (await res.json()) as { code: string; field: string };
    assert.equal(res.status, 400, JSON.stringify(problem));
    assert.equal(problem.field, 'reason');
  });

  it('refuses a NUL character in a JSON field, naming it, instead of failing at the database', async () => {
    const res = await server.api('POST', '/api/models/alice/forms/discussions', { token, json: { title: 'Numbers\u0000', body: 'Where?' } });
    const problem = (await res.json()) as { code: string; field: string };
    assert.equal(res.status, 400, JSON.stringify(problem));
    assert.equal(problem.field, 'title');
  });
});
