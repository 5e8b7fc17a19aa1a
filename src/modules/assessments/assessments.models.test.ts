import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ACCESS_LEVELS, type AccessLevel } from '../repos/repos.tables.ts';
import { draftToForm, formToDraft } from './assessments.form.ts';
import { isStricter, levelChangeVerdict, riskRating, type AssessmentVersionFacts } from './assessments.models.ts';

const v = (version: number, status: AssessmentVersionFacts['status'], arguedLevel: AccessLevel, requiredLevel: AccessLevel | null = null): AssessmentVersionFacts => ({ version, status, arguedLevel, requiredLevel });
const verdict = (from: AccessLevel, to: AccessLevel, versions: AssessmentVersionFacts[] = []) => {
  const result = levelChangeVerdict(from, to, versions);
  return result.ok ? 'ok' : result.code;
};

describe('the release rule', () => {
  it('needs an assessment to gate an open repository or to open a gated one, but never to tighten', () => {
    assert.equal(verdict('open', 'agreement'), 'assessment_required');
    assert.equal(verdict('reviewed', 'open'), 'assessment_required');
    assert.equal(verdict('reviewed', 'agreement'), 'assessment_required');
    assert.equal(verdict('agreement', 'reviewed'), 'ok');
    assert.equal(verdict('open', 'no-download'), 'ok');
    assert.equal(verdict('reviewed', 'reviewed'), 'ok');
  });

  it('accepts the level argued for or a stricter one, from a submitted or accepted version', () => {
    assert.equal(verdict('open', 'agreement', [v(1, 'submitted', 'agreement')]), 'ok');
    assert.equal(verdict('open', 'reviewed', [v(1, 'accepted', 'agreement')]), 'ok');
    assert.equal(verdict('reviewed', 'open', [v(1, 'submitted', 'agreement')]), 'assessment_argues_stricter');
    assert.equal(verdict('reviewed', 'open', [v(1, 'superseded', 'open')]), 'assessment_required', 'a superseded version argues nothing');
  });

  it('holds the level a moderator required until a newer version is accepted', () => {
    const required = v(1, 'stricter-level-required', 'agreement', 'reviewed');
    assert.equal(verdict('reviewed', 'agreement', [required]), 'level_below_required');
    assert.equal(verdict('reviewed', 'agreement', [required, v(2, 'submitted', 'agreement')]), 'level_below_required');
    assert.equal(verdict('reviewed', 'agreement', [required, v(2, 'accepted', 'agreement')]), 'ok');
    assert.equal(verdict('reviewed', 'no-download', [required]), 'ok');
  });

  it('never lets a change go more open than every live version supports (property)', () => {
    const level = fc.constantFrom(...ACCESS_LEVELS);
    const status = fc.constantFrom('submitted', 'accepted', 'stricter-level-required', 'superseded') as fc.Arbitrary<AssessmentVersionFacts['status']>;
    fc.assert(fc.property(level, level, fc.array(fc.tuple(status, level, level), { maxLength: 5 }), (from, to, raw) => {
      const versions = raw.map(([s, argued, req], i) => v(i + 1, s, argued, s === 'stricter-level-required' ? req : null));
      const result = levelChangeVerdict(from, to, versions);
      const tightening = to === 'no-download' || (from !== 'open' && isStricter(to, from)) || from === to;
      if (!result.ok) assert.ok(!tightening || result.code === 'level_below_required');
      if (result.ok && !tightening) {
        const live = versions.filter((x) => x.status !== 'superseded').sort((a, b) => b.version - a.version)[0];
        assert.ok(live, 'an opening change always has a live version behind it');
        const supported = live.status === 'stricter-level-required' && live.requiredLevel ? live.requiredLevel : live.arguedLevel;
        assert.ok(!isStricter(supported, to));
      }
    }), { numRuns: 500 });
  });

  it('rates likelihood × severity on a 5×5 matrix', () => {
    assert.deepEqual(riskRating({ likelihood: 1, severity: 4 }), { score: 4, band: 'low' });
    assert.deepEqual(riskRating({ likelihood: 4, severity: 4 }), { score: 16, band: 'critical' });
    assert.deepEqual(riskRating({ likelihood: 2, severity: 5 }), { score: 10, band: 'high' });
  });
});

describe('reading the assessment form', () => {
  it('drops blank misuse rows and renumbers the rest in order', () => {
    const draft = formToDraft({ 'misuses.3.description': 'b', 'misuses.0.description': 'a', 'misuses.1.description': ' ', 'misuses.1.severity': '', 'misuses.0.severity': '4', 'misuses.0.bogus': 'x', intendedUses: '  ', benefits: 'Research' });
    assert.deepEqual(draft, { benefits: 'Research', misuses: [{ description: 'a', severity: '4' }, { description: 'b' }] } as unknown);
  });

  it('gives back the same draft after a round trip through the form (property)', () => {
    const text = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== '');
    const misuse = fc.record({ description: text, harmedGroups: text, likelihood: fc.integer({ min: 1, max: 5 }).map(String), severity: fc.integer({ min: 1, max: 5 }).map(String) }, { requiredKeys: ['description'], noNullPrototype: true });
    fc.assert(fc.property(fc.record({ intendedUses: text, benefits: text, accessLevel: fc.constantFrom(...ACCESS_LEVELS) }, { requiredKeys: [], noNullPrototype: true }), fc.array(misuse, { maxLength: 6 }), (top, misuses) => {
      const draft = { ...top, misuses } as never;
      assert.deepEqual(formToDraft(draftToForm(draft)), draft);
    }), { numRuns: 300 });
  });
});
