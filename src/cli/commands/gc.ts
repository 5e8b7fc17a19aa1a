import { parseArgs } from 'node:util';
import type { AppDeps } from '../../app/deps.ts';
import { collectGarbage, DEFAULT_GC_GRACE_MS } from '../../modules/blobs/blobs.gc.ts';
import { CliError } from '../output.ts';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `24h`, `7d`, `0s`: how old an unreferenced upload must be before it is collected. */
export function parseGrace(value: string | undefined): number {
  if (value === undefined) return DEFAULT_GC_GRACE_MS;
  const match = /^(\d{1,6})([smhd])$/.exec(value.trim());
  if (!match) throw new CliError(`--grace must be a number followed by s, m, h or d (such as 24h), not "${value}".`, 2);
  return Number(match[1]) * UNITS[match[2]!]!;
}

const formatBytes = (bytes: number) => (bytes < 1024 ? `${bytes} bytes` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KiB` : bytes < 1024 ** 3 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${(bytes / 1024 ** 3).toFixed(2)} GiB`);

/** `airlock admin gc [--dry-run] [--grace 24h]` */
export async function runGcCommand(deps: AppDeps, args: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean' }, grace: { type: 'string' } } });
  const dryRun = values['dry-run'] ?? false;
  const result = await collectGarbage(deps, { graceMs: parseGrace(values.grace), dryRun });
  for (const blob of result.removed) out(`${dryRun ? 'would remove' : 'removed'} ${blob.sha256} ${blob.size} bytes${blob.reason === 'no-row' ? ' (file without a database row)' : ''}`);
  for (const sha256 of result.kept) out(`kept ${sha256}: it came into use while collecting`);
  const count = `${result.removed.length} unreferenced blob${result.removed.length === 1 ? '' : 's'}`;
  out(`${dryRun ? 'Would remove' : 'Removed'} ${count}, ${result.bytes} bytes (${formatBytes(result.bytes)}).`);
  return 0;
}
