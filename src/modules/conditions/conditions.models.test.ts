import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CONDITION_SOURCES, conditionLines, groupBySource, normaliseConditionTexts } from './conditions.models.ts';

describe('condition texts as typed', () => {
  it('keeps each non-blank line once, trimmed, in the order typed', () => {
    assert.deepEqual(conditionLines('  Cite the card. \r\n\nCite the card.\n  No re-identification.\n'), ['Cite the card.', 'No re-identification.']);
  });

  it('never returns a blank or untrimmed condition, a repeat, or more conditions than lines', () => {
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 30 }), (lines) => {
      const typed = lines.join('\n');
      const out = conditionLines(typed);
      assert.ok(out.length <= typed.split(/\r?\n/).length);
      for (const text of out) {
        assert.notEqual(text, '');
        assert.equal(text, text.trim());
        assert.doesNotMatch(text, /\s{2,}|\n/);
      }
      assert.equal(new Set(out.map((t) => t.toLowerCase())).size, out.length);
    }));
  });

  it('is idempotent: cleaning a cleaned list changes nothing', () => {
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 40 })), (texts) => {
      const once = normaliseConditionTexts(texts);
      assert.deepEqual(normaliseConditionTexts(once), once);
    }));
  });
});

describe('conditions grouped by source', () => {
  it('shows every condition exactly once, under its own source, platform before publisher before committee', () => {
    const condition = fc.record({ source: fc.constantFrom(...CONDITION_SOURCES), text: fc.string({ minLength: 1, maxLength: 20 }) });
    fc.assert(fc.property(fc.array(condition, { maxLength: 20 }), (conditions) => {
      const groups = groupBySource(conditions);
      assert.deepEqual(groups.map((g) => g.source), CONDITION_SOURCES.filter((s) => conditions.some((c) => c.source === s)));
      for (const g of groups) assert.ok(g.items.every((c) => c.source === g.source) && g.items.length > 0);
      assert.equal(groups.reduce((n, g) => n + g.items.length, 0), conditions.length);
    }));
  });
});
