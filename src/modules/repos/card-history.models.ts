import { diffLines, diffWordsWithSpace } from 'diff';

/**
 * The model card's history and diffs. Pure logic, no I/O.
 *
 * A card revision is a commit on the branch's first-parent chain whose README.md differs from its
 * parent's (added, changed or deleted); every other commit leaves the card as it was.
 */
export interface RevisionCardFacts {
  id: string;
  parentId: string | null;
  /** The sha256 of README.md at this revision, or null when it has none. */
  readmeSha256: string | null;
}

export type CardChange = 'added' | 'modified' | 'deleted';

/** The card revisions reachable from `headId`, newest first. A cycle or a missing parent ends the walk. */
export function cardRevisions<T extends RevisionCardFacts>(revisions: T[], headId: string): (T & { change: CardChange })[] {
  const byId = new Map(revisions.map((r) => [r.id, r]));
  const out: (T & { change: CardChange })[] = [];
  const seen = new Set<string>();
  for (let current = byId.get(headId); current && !seen.has(current.id); current = current.parentId ? byId.get(current.parentId) : undefined) {
    seen.add(current.id);
    const before = current.parentId ? byId.get(current.parentId)?.readmeSha256 ?? null : null;
    if (before === current.readmeSha256) continue;
    out.push({ ...current, change: before === null ? 'added' : current.readmeSha256 === null ? 'deleted' : 'modified' });
  }
  return out;
}

export interface Segment {
  text: string;
  /** Part of the change on this line (the words that differ), rather than its unchanged rest. */
  changed: boolean;
}

export type DiffRow =
  | { kind: 'context'; oldLine: number; newLine: number; text: string }
  | { kind: 'removed'; oldLine: number; text: string; segments: Segment[] }
  | { kind: 'added'; newLine: number; text: string; segments: Segment[] }
  /** Unchanged lines left out between hunks. */
  | { kind: 'skipped'; count: number };

export interface CardDiff {
  rows: DiffRow[];
  added: number;
  removed: number;
  /** The line diff gave up (a huge card changed everywhere) and shows the whole old and new text. */
  truncated: boolean;
}

const splitLines = (value: string) => {
  const lines = value.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
};

/** Word-level detail for a removed line and the added line that replaced it. */
function pairSegments(before: string, after: string): { removed: Segment[]; added: Segment[] } {
  // Word diffs of very long lines cost more than they help; such lines are marked changed whole.
  if (before.length > 2000 || after.length > 2000) return { removed: [{ text: before, changed: true }], added: [{ text: after, changed: true }] };
  const parts = diffWordsWithSpace(before, after);
  return {
    removed: parts.filter((p) => !p.added).map((p) => ({ text: p.value, changed: p.removed })),
    added: parts.filter((p) => !p.removed).map((p) => ({ text: p.value, changed: p.added })),
  };
}

/**
 * A line diff of two card sources with `context` unchanged lines around each change. Removed and
 * added runs of the same hunk are paired line by line for word-level highlighting.
 */
export function diffCards(before: string, after: string, context = 3): CardDiff {
  const normalise = (s: string) => s.replace(/\r\n?/g, '\n');
  const a = normalise(before);
  const b = normalise(after);
  // Myers' diff is O(N·D); a timeout keeps a 1 MiB card rewritten everywhere from pinning a core.
  const diffed = diffLines(a, b, { timeout: 2000 });
  const truncated = diffed === undefined;
  const changes = diffed ?? [{ value: a, removed: true, added: false, count: 0 }, { value: b, added: true, removed: false, count: 0 }];
  const full: DiffRow[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i]!;
    const lines = splitLines(change.value);
    if (change.removed) {
      const next = changes[i + 1];
      const addedLines = next?.added ? splitLines(next.value) : [];
      lines.forEach((text, j) => full.push({ kind: 'removed', oldLine: oldLine++, text, segments: j < addedLines.length ? pairSegments(text, addedLines[j]!).removed : [{ text, changed: true }] }));
      if (next?.added) {
        addedLines.forEach((text, j) => full.push({ kind: 'added', newLine: newLine++, text, segments: j < lines.length ? pairSegments(lines[j]!, text).added : [{ text, changed: true }] }));
        i += 1;
      }
    } else if (change.added) {
      for (const text of lines) full.push({ kind: 'added', newLine: newLine++, text, segments: [{ text, changed: true }] });
    } else {
      for (const text of lines) full.push({ kind: 'context', oldLine: oldLine++, newLine: newLine++, text });
    }
  }
  // Identical cards have nothing to show, not one long fold.
  const rows = full.some((r) => r.kind !== 'context') ? collapseContext(full, context) : [];
  return { rows, added: full.filter((r) => r.kind === 'added').length, removed: full.filter((r) => r.kind === 'removed').length, truncated };
}

/** Keeps `context` unchanged lines on each side of a change and folds the rest into `skipped` rows. */
function collapseContext(rows: DiffRow[], context: number): DiffRow[] {
  const near = rows.map(() => false);
  rows.forEach((row, i) => {
    if (row.kind === 'context') return;
    for (let j = Math.max(0, i - context); j <= Math.min(rows.length - 1, i + context); j++) near[j] = true;
  });
  const out: DiffRow[] = [];
  let skipped = 0;
  rows.forEach((row, i) => {
    if (near[i]) {
      if (skipped > 0) out.push({ kind: 'skipped', count: skipped });
      skipped = 0;
      out.push(row);
    } else skipped += 1;
  });
  if (skipped > 0) out.push({ kind: 'skipped', count: skipped });
  return out;
}
