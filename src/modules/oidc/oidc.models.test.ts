import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { usernameSchema } from '../users/users.schemas.ts';
import { profileFromClaims, usernameCandidate, verifiedEmail } from './oidc.models.ts';

describe('usernames derived from provider claims', () => {
  it('are valid usernames (or one "user-" prefix away) whatever the claims hold', () => {
    fc.assert(fc.property(fc.record({ sub: fc.string(), preferred_username: fc.option(fc.string()), email: fc.option(fc.string()), name: fc.option(fc.string({ unit: 'binary' })) }), (claims) => {
      const candidate = usernameCandidate(claims);
      const ok = usernameSchema.safeParse(candidate).success || usernameSchema.safeParse(`user-${candidate}`.slice(0, 36)).success;
      assert.ok(ok, `unusable username ${JSON.stringify(candidate)} from ${JSON.stringify(claims)}`);
    }));
  });
  it('prefer the preferred username, then the email, then the name', () => {
    assert.equal(usernameCandidate({ sub: '1', preferred_username: 'ana.b', email: 'x@y.org' }), 'ana.b');
    assert.equal(usernameCandidate({ sub: '1', email: 'jo.smith@uni.edu' }), 'jo.smith');
    assert.equal(usernameCandidate({ sub: '1', name: 'Zoë Ölund' }), 'Zoe-Olund');
  });
});

describe('claims', () => {
  it('give an email only when the provider verified it', () => {
    assert.equal(verifiedEmail({ sub: '1', email: 'A@B.org', email_verified: true }), 'a@b.org');
    assert.equal(verifiedEmail({ sub: '1', email: 'a@b.org', email_verified: false }), null);
    assert.equal(verifiedEmail({ sub: '1', email: 'a@b.org', email_verified: 'true' }), null);
  });
  it('fill the name and the institution from the configured claim', () => {
    assert.deepEqual(profileFromClaims({ sub: '1', name: ' Ana ', org: 'Uni' }, 'org'), { fullName: 'Ana', institution: 'Uni' });
    assert.deepEqual(profileFromClaims({ sub: '1', org: 42 }, 'org'), { fullName: null, institution: null });
  });
});
