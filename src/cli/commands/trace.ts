import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AppDeps } from '../../app/deps.ts';
import { FALSE_ACCUSATION_BOUND } from '../../modules/fingerprints/fingerprints.models.ts';
import { traceFile } from '../../modules/fingerprints/fingerprints.trace.usecases.ts';
import { usageError } from '../args.ts';
import { print } from '../output.ts';

const USAGE = `Usage (on the server's own data directory):
  airlock trace FILE [--repo OWNER/NAME]

Reads a suspected copy of a fingerprinted .safetensors file, finds the published file it derives
from (by tensor names, dtypes and shapes) and names the recipient whose copy it is, with the chance
that an innocent recipient would match as well. Nobody is named unless that chance, corrected for
the number of candidates, is below ${FALSE_ACCUSATION_BOUND.toExponential(0)}.
Exit status: 0 when a recipient is named, 1 when nobody is (or the file cannot be judged).`;

const fmt = (p: number) => (p < 1e-300 ? '< 1e-300' : p.toExponential(2));

/** Runs in the CLI process, or inside the running server when it holds the embedded database. */
export async function runTraceCommand(deps: AppDeps, args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { repo: { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw usageError('Name exactly one file to trace.', USAGE);
  const result = await traceFile(deps, positionals[0]!, { repo: values.repo });
  if (result.kind === 'undecidable') {
    out(result.reason);
    return 1;
  }
  for (const file of result.files) {
    out(`Compared with ${file.original.label}: ${file.matchedTensors} tensor(s) match, ${file.markedTensors} marked, ${file.marksRead} mark(s) read, ${file.original.candidates.length} recipient(s) on record.`);
  }
  if (result.kind === 'named') {
    const best = result.best;
    out(`Recipient: ${best.name} (user ${best.recipientId})`);
    out(`Evidence: ${best.agreeing} of ${best.decided} decided code bits agree with their fingerprint of ${result.file.original.label}.`);
    out(`Chance an innocent recipient matches this well: ${fmt(best.falseMatchProbability)} (${fmt(best.adjustedProbability)} over every candidate tried; the bound is ${FALSE_ACCUSATION_BOUND.toExponential(0)}).`);
    return 0;
  }
  out(result.reason);
  const runnersUp = result.files.flatMap((f) => f.scores).sort((a, b) => a.adjustedProbability - b.adjustedProbability).slice(0, 3);
  for (const s of runnersUp) out(`  closest: ${s.name}: ${s.agreeing}/${s.decided} bits, chance ${fmt(s.adjustedProbability)}`);
  return 1;
}

export async function traceCommand(args: string[]): Promise<number> {
  if (!args[0] || args[0] === '--help' || args[0] === 'help') {
    print(USAGE);
    return args[0] ? 0 : 2;
  }
  // The running server may do the work (embedded database): give it a path that does not depend on our cwd.
  const file = args.find((a) => !a.startsWith('-') && args[args.indexOf(a) - 1] !== '--repo');
  const absolute = args.map((a) => (a === file ? path.resolve(a) : a));
  const { runLocally } = await import('../local.ts');
  return runLocally(['trace', ...absolute]);
}
