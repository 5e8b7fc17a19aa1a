// The test files of the project: every *.test.ts(x) under the given roots, node_modules aside.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else if (/\.test\.tsx?$/.test(name)) yield full;
  }
}

/** Test files under `roots` (missing roots skipped) whose path contains one of `filters` (all when none), sorted. */
export function listTestFiles(roots, filters = []) {
  return roots.flatMap((root) => { try { return [...walk(root)]; } catch { return []; } })
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
}
