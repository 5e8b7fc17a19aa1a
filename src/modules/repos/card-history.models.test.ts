import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cardRevisions, diffCards, type DiffRow } from './card-history.models.ts';

const rev = (id: string, parentId: string | null, readmeSha256: string | null) => ({ id, parentId, readmeSha256 });

describe('cardRevisions, which commits changed the card', () => {
  it('lists the commits that added, changed or deleted README.md, newest first, and skips the rest', () => {
    const revisions = [rev('a', null, null), rev('b', 'a', 'x1'), rev('c', 'b', 'x1'), rev('d', 'c', 'x2'), rev('e', 'd', null), rev('f', 'e', null)];
    assert.deepEqual(cardRevisions(revisions, 'f').map((r) => [r.id, r.change]), [['e', 'deleted'], ['d', 'modified'], ['b', 'added']]);
  });

  it('follows the branch it starts from, not commits of other branches', () => {
    const revisions = [rev('a', null, 'x1'), rev('side', 'a', 'x9'), rev('main2', 'a', 'x2')];
    assert.deepEqual(cardRevisions(revisions, 'main2').map((r) => r.id), ['main2', 'a']);
  });

  it('stops at a cycle or a missing parent instead of looping', () => {
    assert.deepEqual(cardRevisions([rev('a', 'b', 'x'), rev('b', 'a', 'y')], 'a').map((r) => r.id), ['a', 'b']);
    assert.deepEqual(cardRevisions([rev('a', 'gone', 'x')], 'a').map((r) => r.change), ['added']);
  });
});

const lines = (text: string) => { const l = text.split('\n'); if (l.at(-1) === '') l.pop(); return l; };
const oldSide = (rows: DiffRow[]) => rows.flatMap((r) => (r.kind === 'context' || r.kind === 'removed' ? [r.text] : []));
const newSide = (rows: DiffRow[]) => rows.flatMap((r) => (r.kind === 'context' || r.kind === 'added' ? [r.text] : []));

describe('diffCards, the card diff', () => {
  it('shows a multi-line change as removed and added lines with their line numbers and changed words', () => {
    const before = '# Model\n\nLicense: MIT\nTrained on web text.\nUse it for research.\nEnd\n';
    const after = '# Model\n\nLicense: Apache-2.0\nTrained on forum posts.\nUse it for research.\nNew line\nEnd\n';
    const diff = diffCards(before, after);
    assert.equal(diff.added, 3);
    assert.equal(diff.removed, 2);
    const changed = diff.rows.filter((r) => r.kind !== 'context' && r.kind !== 'skipped');
    assert.deepEqual(changed.map((r) => [r.kind, 'oldLine' in r ? r.oldLine : r.kind === 'added' ? r.newLine : null, r.kind === 'added' || r.kind === 'removed' ? r.text : '']), [
      ['removed', 3, 'License: MIT'],
      ['removed', 4, 'Trained on web text.'],
      ['added', 3, 'License: Apache-2.0'],
      ['added', 4, 'Trained on forum posts.'],
      ['added', 6, 'New line'],
    ]);
    const first = changed[0]!;
    assert.ok(first.kind === 'removed');
    assert.deepEqual(first.segments.filter((s) => s.changed).map((s) => s.text), ['MIT']);
  });

  it('folds unchanged lines far from any change', () => {
    const body = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const changed = [...body];
    changed[15] = 'line fifteen';
    const diff = diffCards(`${body.join('\n')}\n`, `${changed.join('\n')}\n`, 2);
    assert.deepEqual(diff.rows.map((r) => r.kind), ['skipped', 'context', 'context', 'removed', 'added', 'context', 'context', 'skipped']);
    assert.deepEqual(diff.rows.filter((r) => r.kind === 'skipped').map((r) => (r as { count: number }).count), [13, 12]);
  });

  it('reports identical cards as having no rows to show', () => {
    assert.deepEqual(diffCards('same\n', 'same\r\n'), { rows: [], added: 0, removed: 0, truncated: false });
  });

  it('always reconstructs both sides exactly when nothing is folded (property)', () => {
    const line = fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, ''));
    fc.assert(fc.property(fc.array(line, { maxLength: 25 }), fc.array(line, { maxLength: 25 }), (a, b) => {
      const before = a.map((l) => `${l}\n`).join('');
      const after = b.map((l) => `${l}\n`).join('');
      const diff = diffCards(before, after, Number.MAX_SAFE_INTEGER);
      // Identical cards show nothing at all (see the test above), so there is nothing to rebuild.
      if (before === after) return assert.deepEqual(diff.rows, []);
      assert.deepEqual(oldSide(diff.rows), lines(before));
      assert.deepEqual(newSide(diff.rows), lines(after));
      for (const row of diff.rows) if (row.kind === 'added' || row.kind === 'removed') assert.equal(row.segments.map((s) => s.text).join(''), row.text);
    }), { numRuns: 300, examples: [[[''], ['']], [['same'], ['same']]] });
  });
});
