import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { freshReader, readBetweenWrites } from './fresh-read.ts';

/** A value that changes, read with a delay the test controls, counting the reads made. */
function changingValue() {
  const state = { value: 0, reads: 0, pending: [] as Array<() => void> };
  const read = () => {
    state.reads += 1;
    const startedAt = state.value;
    return new Promise<number>((resolve) => state.pending.push(() => resolve(startedAt)));
  };
  const finishReads = async () => {
    while (state.pending.length > 0) {
      state.pending.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { state, read, finishReads };
}

describe('freshReader', () => {
  it('never answers a caller with a read that started before it asked', async () => {
    const { state, read, finishReads } = changingValue();
    const epoch = freshReader(read);
    const early = epoch();
    state.value = 1; // a revocation commits while the first read is in flight
    const late = epoch();
    await finishReads();
    assert.equal(await early, 0);
    assert.equal(await late, 1);
  });

  it('makes at most two reads for any number of callers arriving during one read', async () => {
    const { state, read, finishReads } = changingValue();
    const epoch = freshReader(read);
    const answers = Array.from({ length: 64 }, () => epoch());
    await finishReads();
    await Promise.all(answers);
    assert.equal(state.reads, 2);
  });

  it('reads again after a failed read, and hands the failure only to those who shared it', async () => {
    let calls = 0;
    const epoch = freshReader(async () => {
      calls += 1;
      if (calls === 1) throw new Error('connection lost');
      return calls;
    });
    const first = epoch();
    const second = epoch();
    await assert.rejects(first, /connection lost/);
    assert.equal(await second, 2);
    assert.equal(await epoch(), 3);
  });

  it('answers every caller with a value at least as new as the one current when it asked (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('ask', 'change', 'finish'), { maxLength: 60 }), async (steps) => {
        const { state, read, finishReads } = changingValue();
        const epoch = freshReader(read);
        const asked: Array<{ atLeast: number; answer: Promise<number> }> = [];
        for (const step of steps) {
          if (step === 'ask') asked.push({ atLeast: state.value, answer: epoch() });
          else if (step === 'change') state.value += 1;
          else if (state.pending.length > 0) {
            state.pending.shift()!();
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
        await finishReads();
        for (const { atLeast, answer } of asked) assert.ok((await answer) >= atLeast);
      }),
    );
  });
});

/**
 * One connection running statements in the order they were handed to it: writes (each adds one to
 * the value once it has run) and reads (each answers the value when it runs).
 */
function oneConnection() {
  const state = { value: 0, submittedWrites: 0, reads: 0, queue: [] as Array<() => void> };
  const write = () => {
    state.submittedWrites += 1;
    state.queue.push(() => {
      state.value += 1;
    });
  };
  const read = () => {
    state.reads += 1;
    return new Promise<number>((resolve) => state.queue.push(() => resolve(state.value)));
  };
  const runNext = async () => {
    state.queue.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  const runAll = async () => {
    while (state.queue.length > 0) await runNext();
  };
  return { state, write, read, runNext, runAll };
}

describe('readBetweenWrites', () => {
  it('answers from one read until a write is handed to the connection', async () => {
    const db = oneConnection();
    const epoch = readBetweenWrites(db.read, () => db.state.submittedWrites);
    const first = epoch();
    await db.runAll();
    assert.equal(await first, 0);
    assert.equal(await epoch(), 0);
    assert.equal(db.state.reads, 1);
    db.write();
    const afterWrite = epoch();
    await db.runAll();
    assert.equal(await afterWrite, 1);
    assert.equal(db.state.reads, 2);
  });

  it('lets a caller join a read in flight only when no write was handed over since it was', async () => {
    const db = oneConnection();
    const epoch = readBetweenWrites(db.read, () => db.state.submittedWrites);
    const early = epoch();
    db.write(); // queued behind the read in flight: that read cannot see it
    const late = epoch();
    await db.runAll();
    assert.equal(await early, 0);
    assert.equal(await late, 1);
  });

  it('reads again after a failed read', async () => {
    let calls = 0;
    const epoch = readBetweenWrites(async () => {
      calls += 1;
      if (calls === 1) throw new Error('connection lost');
      return calls;
    }, () => 0);
    await assert.rejects(epoch(), /connection lost/);
    assert.equal(await epoch(), 2);
    assert.equal(await epoch(), 2);
  });

  it('answers every caller with every write that had run before it asked (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('ask', 'write', 'run'), { maxLength: 80 }), async (steps) => {
        const db = oneConnection();
        const epoch = readBetweenWrites(db.read, () => db.state.submittedWrites);
        const asked: Array<{ atLeast: number; answer: Promise<number> }> = [];
        for (const step of steps) {
          if (step === 'ask') asked.push({ atLeast: db.state.value, answer: epoch() });
          else if (step === 'write') db.write();
          else await db.runNext();
        }
        await db.runAll();
        for (const { atLeast, answer } of asked) assert.ok((await answer) >= atLeast);
      }),
    );
  });
});
