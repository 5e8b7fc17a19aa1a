import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usernameSchema } from './users.schemas.ts';

describe('usernameSchema', () => {
  it('refuses names the site uses for its own pages, whatever their case', () => {
    for (const name of ['api', 'Settings', 'datasets', 'static', 'login']) assert.equal(usernameSchema.safeParse(name).success, false, name);
  });

  it('accepts ordinary names with dots, dashes and underscores', () => {
    for (const name of ['alice', 'open-ai_lab', 'j.doe', 'x2']) assert.equal(usernameSchema.safeParse(name).success, true, name);
  });
});
