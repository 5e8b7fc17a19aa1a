import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applicationGaps, CREDENTIAL_ROLES, CREDENTIAL_STATUSES, CREDENTIAL_STEPS, isValidOrcid, needsNewReferenceRequest, parseOrcid, profileGaps,
  referenceLinkState, referenceState, sameSnapshot, snapshotOf, stagesOf, transition, type CredentialRole, type CredentialStatus, type CredentialStep,
} from './credentials.models.ts';

/** Written out by hand from the lifecycle in DESIGN.md, independently of the table under test. */
const ALLOWED: [CredentialStatus, CredentialRole, CredentialStep, CredentialStatus][] = [
  ['draft', 'applicant', 'edit', 'draft'],
  ['returned', 'applicant', 'edit', 'returned'],
  ['draft', 'applicant', 'submit', 'submitted'],
  ['returned', 'applicant', 'submit', 'submitted'],
  ['submitted', 'reference', 'respond-reference', 'submitted'],
  ['returned', 'reference', 'respond-reference', 'returned'],
  ['submitted', 'staff', 'check-identity', 'submitted'],
  ['submitted', 'staff', 'return', 'returned'],
  ['submitted', 'staff', 'approve', 'approved'],
  ['submitted', 'staff', 'reject', 'rejected'],
  ['approved', 'staff', 'revoke', 'revoked'],
];

const ready = { identityChecked: true, referenceConfirmed: true };
const DAY = 24 * 3600 * 1000;
const now = new Date('2030-01-10T12:00:00Z');
const request = (over: Partial<Parameters<typeof referenceState>[0]> = {}) => ({ email: 'ref@uni.edu', expiresAt: new Date(now.getTime() + 5 * DAY), response: null, supersededAt: null, ...over });

describe('the credential lifecycle table', () => {
  const doing: Record<CredentialStep, string> = {
    edit: 'edit', submit: 'submit', 'respond-reference': 'answer for', 'check-identity': 'check the identity on',
    return: 'return', approve: 'approve', reject: 'reject', revoke: 'revoke',
  };
  for (const [status, role, step, to] of ALLOWED) {
    it(`lets the ${role} ${doing[step]} an application that is ${status}, leaving it ${to}`, () => {
      assert.deepEqual(transition(status, role, step, ready), { ok: true, to });
    });
  }

  it('refuses every other combination of status, role and step, saying whether the role or the status is wrong', () => {
    let refused = 0;
    for (const status of CREDENTIAL_STATUSES) {
      for (const role of CREDENTIAL_ROLES) {
        for (const step of CREDENTIAL_STEPS) {
          if (ALLOWED.some(([s, r, a]) => s === status && r === role && a === step)) continue;
          const result = transition(status, role, step, ready);
          assert.equal(result.ok, false, `${role} ${step} from ${status} must be refused`);
          const roleAllowedSomewhere = ALLOWED.some(([, r, a]) => r === role && a === step);
          assert.deepEqual(result, { ok: false, reason: roleAllowedSomewhere ? 'wrong-status' : 'wrong-role' }, `${role} ${step} from ${status}`);
          refused += 1;
        }
      }
    }
    assert.equal(refused, CREDENTIAL_STATUSES.length * CREDENTIAL_ROLES.length * CREDENTIAL_STEPS.length - ALLOWED.length);
  });

  it('refuses approval until the identity is checked, and then until the reference has confirmed', () => {
    assert.deepEqual(transition('submitted', 'staff', 'approve', { identityChecked: false, referenceConfirmed: true }), { ok: false, reason: 'identity-not-checked' });
    assert.deepEqual(transition('submitted', 'staff', 'approve', { identityChecked: true, referenceConfirmed: false }), { ok: false, reason: 'reference-not-confirmed' });
    assert.deepEqual(transition('submitted', 'staff', 'approve'), { ok: false, reason: 'identity-not-checked' });
  });

  it('needs no checks for returning or rejecting, so staff can always send an application back or turn it down', () => {
    const none = { identityChecked: false, referenceConfirmed: false };
    assert.equal(transition('submitted', 'staff', 'return', none).ok, true);
    assert.equal(transition('submitted', 'staff', 'reject', none).ok, true);
  });
});

describe('reference links', () => {
  it('reads a request as waiting, confirmed, declined or expired', () => {
    assert.equal(referenceState(request(), now), 'waiting');
    assert.equal(referenceState(request({ response: 'confirm' }), now), 'confirmed');
    assert.equal(referenceState(request({ response: 'decline' }), now), 'declined');
    assert.equal(referenceState(request({ expiresAt: now }), now), 'expired');
  });

  it('opens a link once, within its time, while it is current and the application is in review', () => {
    assert.equal(referenceLinkState(request(), 'submitted', now), 'open');
    assert.equal(referenceLinkState(request(), 'returned', now), 'open');
    assert.equal(referenceLinkState(request({ response: 'confirm' }), 'submitted', now), 'answered');
    assert.equal(referenceLinkState(request({ supersededAt: now }), 'submitted', now), 'superseded');
    assert.equal(referenceLinkState(request({ expiresAt: new Date(now.getTime() - 1) }), 'submitted', now), 'expired');
    for (const status of ['draft', 'approved', 'rejected', 'revoked'] as const) assert.equal(referenceLinkState(request(), status, now), 'closed');
  });

  it('asks the reference again only when the person changed or their answer is not a confirmation still waiting', () => {
    assert.equal(needsNewReferenceRequest(undefined, 'ref@uni.edu', now), true);
    assert.equal(needsNewReferenceRequest(request(), 'REF@uni.edu', now), false);
    assert.equal(needsNewReferenceRequest(request({ response: 'confirm' }), 'ref@uni.edu', now), false);
    assert.equal(needsNewReferenceRequest(request(), 'other@uni.edu', now), true);
    assert.equal(needsNewReferenceRequest(request({ response: 'decline' }), 'ref@uni.edu', now), true);
    assert.equal(needsNewReferenceRequest(request({ expiresAt: now }), 'ref@uni.edu', now), true);
    assert.equal(needsNewReferenceRequest(request({ supersededAt: now }), 'ref@uni.edu', now), true);
  });
});

describe('review stages', () => {
  const base = { status: 'submitted' as const, identityCheckedAt: null, decidedAt: null, reference: { ...request(), respondedAt: null } };

  it('starts at the identity check, with the reference shown as waiting', () => {
    const { current, stages } = stagesOf(base, now);
    assert.equal(current, 'identity');
    assert.deepEqual(stages.map((s) => [s.name, s.state]), [['identity', 'pending'], ['reference', 'waiting'], ['final', 'pending']]);
  });

  it('moves to the reference stage after the identity check, and to the final decision once the reference confirms', () => {
    assert.equal(stagesOf({ ...base, identityCheckedAt: now }, now).current, 'reference');
    const confirmed = { ...base, identityCheckedAt: now, reference: { ...request({ response: 'confirm' }), respondedAt: now } };
    assert.equal(stagesOf(confirmed, now).current, 'final');
  });

  it('has no current stage outside review, and marks the final stage done once decided', () => {
    assert.equal(stagesOf({ ...base, status: 'draft' }, now).current, null);
    assert.equal(stagesOf({ ...base, status: 'returned' }, now).current, null);
    const approved = stagesOf({ ...base, status: 'approved', decidedAt: now }, now);
    assert.deepEqual(approved.stages[2], { name: 'final', state: 'done', at: now });
  });
});

describe('ORCID iDs', () => {
  it('accepts valid iDs, bare or as orcid.org addresses, with X as the check character', () => {
    assert.equal(parseOrcid('https://orcid.org/0000-0002-1825-0097'), '0000-0002-1825-0097');
    assert.equal(parseOrcid(' 0000-0002-1694-233x '), '0000-0002-1694-233X');
    assert.ok(isValidOrcid('0000-0002-1825-0097'));
    assert.ok(isValidOrcid('0000-0001-5109-3700'));
    assert.ok(isValidOrcid('0000-0002-1694-233X'));
  });

  it('refuses a wrong check character and malformed iDs', () => {
    assert.equal(isValidOrcid('0000-0002-1825-0098'), false);
    assert.equal(isValidOrcid('0000-0002-1694-2339'), false);
    for (const bad of ['0000-0002-1825', '0000000218250097', 'https://example.org/0000-0002-1825-0097', 'X000-0002-1825-0097']) assert.equal(parseOrcid(bad), null, bad);
  });
});

describe('completeness', () => {
  const full = { fullName: 'Ada Lovelace', institution: 'Uni', jobTitle: 'Postdoc', category: 'postdoc', country: 'GB', orcid: null, website: 'https://ada.example.org' };

  it('needs every profile field and either an ORCID iD or a web page', () => {
    assert.deepEqual(profileGaps(full), []);
    assert.deepEqual(profileGaps({ ...full, website: null }).map((g) => g.field), ['orcid']);
    assert.deepEqual(profileGaps(undefined).map((g) => g.field), ['fullName', 'institution', 'jobTitle', 'category', 'country', 'orcid']);
  });

  it('needs a summary of the configured length and a complete reference', () => {
    const app = { researchSummary: 'x'.repeat(200), referenceName: 'R', referenceEmail: 'r@uni.edu', referenceRelationship: 'supervisor' };
    assert.deepEqual(applicationGaps(app, 200), []);
    assert.deepEqual(applicationGaps({ ...app, researchSummary: ` ${'x'.repeat(199)} ` }, 200).map((g) => g.field), ['researchSummary']);
    assert.deepEqual(applicationGaps({ ...app, referenceEmail: null }, 10).map((g) => g.field), ['reference.email']);
  });

  it('treats a profile snapshot as the same only when every field is equal, whatever the key order', () => {
    const snap = snapshotOf(full);
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(snap).reverse())));
    assert.ok(sameSnapshot(reordered, snap));
    assert.equal(sameSnapshot({ ...snap, institution: 'Other' }, snap), false);
    assert.equal(sameSnapshot(null, snap), false);
  });
});
