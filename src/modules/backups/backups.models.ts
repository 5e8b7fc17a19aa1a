import { z } from 'zod';

export const BACKUP_FORMAT = 'airlock-backup';
export const BACKUP_VERSION = 1;

/** The first line of a backup: what it holds and which schema version wrote it. */
export const backupHeaderSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_VERSION),
  createdAt: z.string(),
  migrations: z.array(z.string()),
  tables: z.array(z.object({ name: z.string().min(1), rows: z.number().int().nonnegative() })),
});
export type BackupHeader = z.infer<typeof backupHeaderSchema>;

/** Every other line: a row of a table, an entry of the blob index, or the closing line. */
export const backupLineSchema = z.union([
  z.object({ t: z.string().min(1), r: z.record(z.string(), z.unknown()) }),
  z.object({ blob: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }),
  z.object({ end: z.literal(true), rows: z.number().int().nonnegative(), blobs: z.number().int().nonnegative() }),
]);
export type BackupLine = z.infer<typeof backupLineSchema>;

/**
 * Orders tables so each comes after every table it references: restoring in this order satisfies
 * every foreign key without disabling constraints (which needs superuser rights on PostgreSQL).
 */
export function dependencyOrder(tables: string[], foreignKeys: { child: string; parent: string }[]): string[] {
  const known = new Set(tables);
  const parents = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of foreignKeys) if (child !== parent && known.has(child) && known.has(parent)) parents.get(child)!.add(parent);
  const ordered: string[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const visit = (table: string) => {
    if (placed.has(table)) return;
    if (visiting.has(table)) throw new Error(`Foreign keys form a cycle through ${table}; a backup cannot order these tables.`);
    visiting.add(table);
    for (const parent of [...parents.get(table)!].sort()) visit(parent);
    visiting.delete(table);
    placed.add(table);
    ordered.push(table);
  };
  for (const table of [...tables].sort()) visit(table);
  return ordered;
}

/** Same migrations, same order: the dump's columns are exactly the target's. */
export function migrationMismatch(backup: string[], target: string[]): string | null {
  if (backup.length === target.length && backup.every((hash, i) => hash === target[i])) return null;
  return `The backup was written by a database with ${backup.length} migrations; this one has ${target.length}${backup.length === target.length ? ', with different contents' : ''}. Restore with the same Airlock version that wrote the backup, then upgrade.`;
}
