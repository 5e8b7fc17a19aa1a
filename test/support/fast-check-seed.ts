/**
 * Loaded before every test file (see scripts/run-tests.mjs). With AIRLOCK_FC_SEED set, every
 * fast-check property in the process starts from that seed, so a run can be repeated exactly:
 * CI pins it, so what passed in a rehearsal of a commit passes in CI on the same commit. Without
 * it, each run explores new cases; `npm run test:explore` sweeps many seeds on purpose.
 * A failing property always prints its seed and path, whichever way it was chosen.
 */
import fc from 'fast-check';

const seed = process.env.AIRLOCK_FC_SEED;
if (seed !== undefined && seed !== '') {
  const value = Number(seed);
  if (!Number.isSafeInteger(value)) throw new Error(`AIRLOCK_FC_SEED must be an integer, got "${seed}"`);
  fc.configureGlobal({ seed: value | 0 });
}
