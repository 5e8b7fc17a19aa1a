import picomatch from 'picomatch';
import type { AccessLevel } from '../repos/repos.tables.ts';

export interface StageRule {
  name: string;
  paths: readonly string[];
  revisionCommit: string | null;
  accessLevel: AccessLevel;
  embargoUntil: Date | null;
}

const matchers = new Map<string, (path: string) => boolean>();
function globMatcher(glob: string) {
  let matcher = matchers.get(glob);
  if (!matcher) {
    matcher = picomatch(glob, { dot: true });
    if (matchers.size > 5_000) matchers.clear();
    matchers.set(glob, matcher);
  }
  return matcher;
}

export const globMatches = (glob: string, path: string) => globMatcher(glob)(path);

/** The stage that decides `path` at `commit`: the first, in schedule order, that names it. */
export function stageFor<S extends StageRule>(stages: readonly S[], path: string, commit: string): S | null {
  for (const stage of stages) {
    if (stage.revisionCommit !== null && stage.revisionCommit === commit) return stage;
    if (stage.paths.some((glob) => globMatches(glob, path))) return stage;
  }
  return null;
}

/** Whether the stage still holds its files back from everyone but the publisher at `now`. */
export const isEmbargoed = (stage: { embargoUntil: Date | null } | null, now: Date) => stage?.embargoUntil != null && stage.embargoUntil.getTime() > now.getTime();
