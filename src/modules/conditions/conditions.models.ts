/**
 * Conditions carry their source and are always shown under it. Pure.
 */
export const CONDITION_SOURCES = ['platform', 'publisher', 'committee'] as const;
export type ConditionSource = (typeof CONDITION_SOURCES)[number];

export interface Condition {
  source: ConditionSource;
  text: string;
}

export const SOURCE_HEADINGS: Record<ConditionSource, string> = {
  platform: 'Platform conditions (set by the Airlock administrators)',
  publisher: 'Publisher conditions (set by the repository\'s publisher)',
  committee: 'Special conditions of your grant (set by the review committee)',
};

/** Groups conditions by source in the fixed order platform, publisher, committee; empty groups are left out. */
export function groupBySource<T extends Condition>(conditions: T[]): { source: ConditionSource; heading: string; items: T[] }[] {
  return CONDITION_SOURCES.map((source) => ({ source, heading: SOURCE_HEADINGS[source], items: conditions.filter((c) => c.source === source) })).filter((g) => g.items.length > 0);
}

/** Cleans a list of condition texts as typed: trimmed, blank lines dropped, duplicates once. */
export function normaliseConditionTexts(texts: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of texts) {
    const text = raw.replace(/\s+/g, ' ').trim();
    if (!text || seen.has(text.toLowerCase())) continue;
    seen.add(text.toLowerCase());
    out.push(text);
  }
  return out;
}

/** A textarea with one condition per line, as the page forms send it. */
export const conditionLines = (value: string | undefined) => normaliseConditionTexts((value ?? '').split(/\r?\n/));
