import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dependencyOrder, migrationMismatch } from './backups.models.ts';

describe('backup table order', () => {
  it('puts every table after the tables it references, for any acyclic set of foreign keys', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 40 }), (n, edges) => {
        const tables = Array.from({ length: n }, (_, i) => `t${i}`);
        // Edges only from a higher to a lower index (plus self-references) cannot form a cycle.
        const keys = edges.map(([a, b]) => ({ child: `t${Math.max(a % n, b % n)}`, parent: `t${Math.min(a % n, b % n)}` }));
        const order = dependencyOrder(tables, keys);
        assert.deepEqual([...order].sort(), [...tables].sort());
        for (const { child, parent } of keys) if (child !== parent) assert.ok(order.indexOf(parent) < order.indexOf(child), `${parent} before ${child}`);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a cycle, naming a table in it', () => {
    assert.throws(() => dependencyOrder(['a', 'b'], [{ child: 'a', parent: 'b' }, { child: 'b', parent: 'a' }]), /cycle through/);
  });

  it('accepts only the same migrations in the same order', () => {
    assert.equal(migrationMismatch(['x', 'y'], ['x', 'y']), null);
    assert.match(migrationMismatch(['x'], ['x', 'y'])!, /1 migrations; this one has 2/);
    assert.match(migrationMismatch(['x', 'z'], ['x', 'y'])!, /different contents/);
  });
});
