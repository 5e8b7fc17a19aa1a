/** PostgreSQL allows at most 65535 bind parameters per statement; lookups by long lists go in batches. */
export const MAX_BATCH = 10_000;

/** Runs `query` on slices of `items` and concatenates the rows. */
export async function inBatches<T, R>(items: T[], query: (batch: T[]) => Promise<R[]>, size = MAX_BATCH): Promise<R[]> {
  const rows: R[] = [];
  for (let i = 0; i < items.length; i += size) rows.push(...(await query(items.slice(i, i + size))));
  return rows;
}
