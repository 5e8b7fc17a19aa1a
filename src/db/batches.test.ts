import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inBatches } from './batches.ts';

describe('inBatches', () => {
  it('queries slices no larger than the batch size and keeps every row in order', async () => {
    const sizes: number[] = [];
    const rows = await inBatches([1, 2, 3, 4, 5, 6, 7], async (batch) => {
      sizes.push(batch.length);
      return batch.map((n) => n * 10);
    }, 3);
    assert.deepEqual(sizes, [3, 3, 1]);
    assert.deepEqual(rows, [10, 20, 30, 40, 50, 60, 70]);
  });

  it('runs no query for an empty list', async () => {
    let calls = 0;
    assert.deepEqual(await inBatches([], async () => { calls += 1; return []; }), []);
    assert.equal(calls, 0);
  });
});
