import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AppDeps } from '../../app/deps.ts';
import { createBackup, restoreBackup } from '../../modules/backups/backups.usecases.ts';
import { CliError } from '../output.ts';

const fileArgument = (positionals: string[], command: string) => {
  if (positionals.length !== 1) throw new CliError(`Usage: airlock admin ${command} FILE${command === 'restore' ? ' [--force]' : ''}`, 2);
  return path.resolve(positionals[0]!);
};

/** `airlock admin backup FILE` */
export async function runBackupCommand(deps: AppDeps, args: string[], out: (line: string) => void): Promise<number> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
  const file = fileArgument(positionals, 'backup');
  const summary = await createBackup(deps, file);
  out(`Wrote ${file}: ${summary.rows} rows from ${summary.tables} tables, and an index of ${summary.blobs} blobs (${summary.blobBytes} bytes).`);
  out(`Blob bytes are not in the file: copy ${path.join(deps.config.dataDir, 'blobs')} (and ${path.join(deps.config.dataDir, 'keys')}) alongside it.`);
  return 0;
}

/** `airlock admin restore FILE [--force]` */
export async function runRestoreCommand(deps: AppDeps, args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { force: { type: 'boolean' } }, allowPositionals: true });
  const file = fileArgument(positionals, 'restore');
  const summary = await restoreBackup(deps, file, { force: values.force ?? false });
  out(`Restored ${summary.rows} rows into ${summary.tables} tables from ${file}.`);
  if (summary.missingBlobs.length) {
    for (const sha256 of summary.missingBlobs.slice(0, 20)) out(`missing blob ${sha256}`);
    out(`error: ${summary.missingBlobs.length} of ${summary.blobs} blobs in the index are not in ${path.join(deps.config.dataDir, 'blobs')}; copy them from the old server's blob folder. Their files cannot be downloaded until then.`);
    return 1;
  }
  out(`All ${summary.blobs} blobs in the index are present. Restart the server if it was running.`);
  return 0;
}
