import fs from 'node:fs/promises';
import { machineDetails } from './machine.ts';

export interface Row {
  id: string;
  workload: string;
  airlock: string;
  baseline: string;
  /** Airlock's figure over the baseline's, or null when the target is absolute. */
  ratio: number | null;
  target: string;
  pass: boolean | null;
  note?: string;
}

const cell = (row: Row) => [row.id, row.workload, row.airlock, row.baseline, row.ratio === null ? '—' : row.ratio.toFixed(2), row.target, row.pass === null ? 'n/a' : row.pass ? 'pass' : 'FAIL'];
const HEAD = ['#', 'workload', 'Airlock', 'baseline', 'ratio', 'target', 'result'];

export function textTable(rows: Row[]): string {
  const cells = [HEAD, ...rows.map(cell)];
  const widths = HEAD.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cell(r).map(escape).join(' | ')} |`)].join('\n');
}

export async function writeResults(file: string, rows: Row[], options: { quick: boolean; startedAt: Date; notes: string[] }) {
  const m = machineDetails();
  const text = `# Benchmark results

Written by \`npm run bench${options.quick ? ' -- --quick' : ''}\` on ${options.startedAt.toISOString()}.
${options.quick ? '\n**Quick run** (64 MiB files, small seed): a smoke test of the script, not the figures the targets are about.\n' : ''}
Machine: ${m.cpu}, ${m.cores} cores, ${m.memory} memory, ${m.os}, Node ${m.node}.

${markdownTable(rows)}

${rows.filter((r) => r.note).map((r) => `- Row ${r.id}: ${r.note}`).join('\n')}
${options.notes.map((n) => `- ${n}`).join('\n')}

How each figure is measured, and what changed it: \`bench/NOTES.md\`.
`;
  await fs.writeFile(file, text);
}

export const mbps = (bytesPerSecond: number) => `${(bytesPerSecond / 1e6).toFixed(0)} MB/s`;
export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
