import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorize, type RepoFacts } from '../access/access.policies.ts';
import { ANONYMOUS, type Actor } from '../access/actor.ts';
import type { AccessLevel } from '../repos/repos.tables.ts';
import { cardFacts, gateFor } from './repository.models.ts';

const user: Actor = { kind: 'user', via: 'session', user: { id: 'u1', username: 'bob', email: 'bob@example.org', displayName: 'Bob', platformRoles: [], blocked: false } };

const facts = (accessLevel: AccessLevel, extra: Partial<RepoFacts> = {}): RepoFacts => ({
  repo: { id: 'r1', private: false, accessLevel, blockedAt: null },
  role: null, hasActiveGrant: false, hasPendingRequest: false, ...extra,
});

const gateOf = (actor: Actor, f: RepoFacts) => gateFor(authorize(actor, { type: 'repo.download', facts: f }), f);
const gate = (actor: Actor, f: RepoFacts) => gateOf(actor, f).kind;

describe('gateFor, what a visitor is offered for the files', () => {
  it('offers downloads on an open repository to anyone', () => {
    assert.deepEqual(gateOf(ANONYMOUS, facts('open')), { kind: 'download', because: 'open' });
  });

  it('asks an anonymous visitor of a gated repository to sign in', () => {
    assert.equal(gate(ANONYMOUS, facts('agreement')), 'sign-in');
    assert.equal(gate(ANONYMOUS, facts('reviewed')), 'sign-in');
  });

  it('offers to accept the conditions at agreement level and to request a review at reviewed level', () => {
    assert.equal(gate(user, facts('agreement')), 'accept-conditions');
    assert.equal(gate(user, facts('reviewed')), 'request-review');
  });

  it('shows a pending request as waiting, and a grant or membership as access', () => {
    assert.equal(gate(user, facts('reviewed', { hasPendingRequest: true })), 'pending');
    assert.deepEqual(gateOf(user, facts('reviewed', { hasActiveGrant: true })), { kind: 'download', because: 'grant' });
    assert.deepEqual(gateOf(user, facts('reviewed', { role: 'write' })), { kind: 'download', because: 'member' });
  });

  it('lets a platform block win over every level, the publisher included', () => {
    const blocked = facts('open', { role: 'admin', repo: { id: 'r1', private: false, accessLevel: 'open', blockedAt: new Date() } });
    assert.equal(gate(user, blocked), 'blocked');
    assert.equal(gate(user, facts('no-download', { role: 'admin' })), 'no-download');
  });
});

describe('cardFacts', () => {
  it('lists license, task, base model, datasets and tags, skipping values that are not text', () => {
    const result = cardFacts({ license: 'apache-2.0', tags: ['text', 3, { x: 1 }], base_model: 'org/base', datasets: [], pipeline_tag: 'text-generation', other: 'x' });
    assert.deepEqual(result, [
      { label: 'License', values: ['apache-2.0'] },
      { label: 'Task', values: ['text-generation'] },
      { label: 'Base model', values: ['org/base'] },
      { label: 'Tags', values: ['text', '3'] },
    ]);
  });

  it('shows the intended use under any of its common spellings', () => {
    assert.deepEqual(cardFacts({ intended_use: 'Detector research' }), [{ label: 'Intended use', values: ['Detector research'] }]);
    assert.deepEqual(cardFacts({ intended_uses: ['Research', 'Teaching'], 'intended-use': '' }), [{ label: 'Intended use', values: ['Research', 'Teaching'] }]);
  });
});
