import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { APPLICATION_STATUSES, tally, transition, type ApplicationAction, type ActorRole } from './applications.models.ts';

describe('the application lifecycle', () => {
  const allowed: [string, ApplicationAction, ActorRole, string][] = [
    ['draft', 'submit', 'applicant', 'submitted'],
    ['draft', 'withdraw', 'applicant', 'withdrawn'],
    ['submitted', 'return', 'reviewer', 'returned'],
    ['submitted', 'approve', 'reviewer', 'approved'],
    ['submitted', 'approve', 'system', 'approved'],
    ['submitted', 'reject', 'reviewer', 'rejected'],
    ['submitted', 'withdraw', 'applicant', 'withdrawn'],
    ['returned', 'submit', 'applicant', 'submitted'],
    ['returned', 'withdraw', 'applicant', 'withdrawn'],
  ];

  it('allows exactly the documented transitions, each by its role', () => {
    for (const [from, action, role, to] of allowed) assert.deepEqual(transition(from as never, action, role), { ok: true, to }, `${from} ${action} by ${role}`);
    let refused = 0;
    for (const from of APPLICATION_STATUSES) {
      for (const action of ['submit', 'withdraw', 'return', 'approve', 'reject'] as const) {
        for (const role of ['applicant', 'reviewer', 'system'] as const) {
          if (allowed.some(([f, a, r]) => f === from && a === action && r === role)) continue;
          const result = transition(from, action, role);
          assert.equal(result.ok, false, `${from} ${action} by ${role} must be refused`);
          refused += 1;
        }
      }
    }
    assert.ok(refused > 70);
  });

  it('explains a refusal in words a user understands', () => {
    const result = transition('approved', 'approve', 'reviewer');
    assert.equal(result.ok, false);
    assert.match((result as { message: string }).message, /approved cannot be approved/);
    assert.match((transition('submitted', 'approve', 'applicant') as { message: string }).message, /Only a reviewer or the platform/);
  });
});

describe('tally', () => {
  it('lets one approver decide under the single-approver rule', () => {
    assert.equal(tally({ kind: 'single' }, 3, []), 'pending');
    assert.equal(tally({ kind: 'single' }, 3, ['approve']), 'approved');
    assert.equal(tally({ kind: 'single' }, 3, ['reject']), 'rejected');
  });

  it('approves a committee application at N approvals and rejects once N is out of reach', () => {
    const rule = { kind: 'committee' as const, required: 2, veto: false };
    assert.equal(tally(rule, 3, ['approve']), 'pending');
    assert.equal(tally(rule, 3, ['approve', 'reject']), 'pending');
    assert.equal(tally(rule, 3, ['approve', 'approve']), 'approved');
    assert.equal(tally(rule, 3, ['reject', 'reject']), 'rejected');
  });

  it('rejects at once on any rejection when the veto is on', () => {
    assert.equal(tally({ kind: 'committee', required: 2, veto: true }, 3, ['approve', 'reject']), 'rejected');
  });

  it('never decides before the votes force it, and always decides when everyone voted (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.boolean(), fc.array(fc.constantFrom('approve' as const, 'reject' as const), { maxLength: 9 }), (eligible, required, veto, all) => {
        const votes = all.slice(0, eligible);
        const outcome = tally({ kind: 'committee', required, veto }, eligible, votes);
        const approvals = votes.filter((v) => v === 'approve').length;
        const need = Math.min(required, eligible);
        if (outcome === 'approved') assert.ok(approvals >= need);
        if (outcome === 'rejected') assert.ok((veto && votes.includes('reject')) || approvals + (eligible - votes.length) < need);
        if (votes.length === eligible) assert.notEqual(outcome, 'pending');
      }),
      { numRuns: 3000 },
    );
  });
});
