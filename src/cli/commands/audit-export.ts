import fs from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { keysFromKeySet } from '../../app/keys.ts';
import { createExportVerifier } from '../../modules/audit/audit.export.models.ts';
import { noMorePositionals, parseRepoId, parseRepoType, usageError } from '../args.ts';
import { resolveClientSettings } from '../credentials.ts';
import { ApiClient } from '../http-client.ts';
import { CliError, print, printError } from '../output.ts';

export const EXPORT_USAGE = `Usage: airlock audit export --repo OWNER/NAME [--type model|dataset] [--since DATE] [--out FILE]

Writes the repository's audit records as JSON Lines (to stdout, or --out FILE), each with its
chain position, hash, previous hash and a Merkle proof against a signed checkpoint.
Needs a token of an admin of the repository's owner, or of a platform admin (AIRLOCK_TOKEN or airlock login).
  --since  only records from this date (YYYY-MM-DD) or ISO time on`;

export const VERIFY_EXPORT_USAGE = `Usage: airlock audit verify-export FILE [--keys keys.json]

Checks an export offline: re-hashes every record, checks its proof against the signed checkpoint
and the checkpoint's signature. Names every record that fails and exits 1.
  --keys  a saved copy of the server's /.well-known/airlock/keys.json; without it the key set is
          fetched from AIRLOCK_ENDPOINT. An export proves that each record is authentic and where it
          sits in the chain; it cannot prove that no record was left out.`;

export async function auditExportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { repo: { type: 'string' }, type: { type: 'string' }, since: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    print(EXPORT_USAGE);
    return 0;
  }
  noMorePositionals(positionals, EXPORT_USAGE);
  const repo = parseRepoId(values.repo, EXPORT_USAGE);
  const type = parseRepoType(values.type as string | undefined, EXPORT_USAGE);
  const client = new ApiClient(await resolveClientSettings());
  const query = values.since ? `?since=${encodeURIComponent(values.since)}` : '';
  const response = await client.send('GET', `${client.apiBase(type, repo)}/audit/export${query}`);
  if (!response.body) throw new CliError('The server sent an empty export.');
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  if (!values.out) {
    await pipeline(body, process.stdout, { end: false });
    return 0;
  }
  // Written beside the target and renamed, so an interrupted export never looks complete.
  const partial = `${values.out}.partial`;
  await pipeline(body, createWriteStream(partial, { mode: 0o600 }));
  await fs.rename(partial, values.out);
  let lines = 0;
  for await (const line of readline.createInterface({ input: createReadStream(values.out, 'utf8'), crlfDelay: Infinity })) if (line.startsWith('{"type":"record"')) lines += 1;
  print(`Wrote ${lines} record(s) of ${repo} to ${values.out}. Check it with: airlock audit verify-export ${values.out} --keys keys.json`);
  return 0;
}

export async function auditVerifyExportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { keys: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    print(VERIFY_EXPORT_USAGE);
    return 0;
  }
  const [file, ...rest] = positionals;
  if (!file) throw usageError('Name the export file to check.', VERIFY_EXPORT_USAGE);
  noMorePositionals(rest, VERIFY_EXPORT_USAGE);
  await fs.access(file).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`Cannot read ${file} (${error.code ?? error.message}). Check the path.`, 2);
  });
  let keySet: Parameters<typeof keysFromKeySet>[0];
  if (values.keys) {
    const raw = await fs.readFile(values.keys, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`Cannot read the key set ${values.keys} (${error.code ?? error.message}).`, 2);
    });
    try {
      keySet = JSON.parse(raw);
    } catch {
      throw new CliError(`${values.keys} is not JSON, so it is not a key set. Save /.well-known/airlock/keys.json again.`, 2);
    }
  } else {
    const client = new ApiClient(await resolveClientSettings());
    keySet = await client.sendJson('GET', '/.well-known/airlock/keys.json');
  }
  // Line by line: an export can be larger than memory.
  const verifier = createExportVerifier(keysFromKeySet(keySet));
  for await (const raw of readline.createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) verifier.feed(raw);
  const report = verifier.finish();
  for (const problem of report.problems) printError(`error: ${problem.message}`);
  if (!report.ok) {
    printError(`error: Export verification FAILED: ${report.problems.length} problem(s) above. Do not rely on the records named; ask the platform for a fresh export.`);
    return 1;
  }
  print(`Export of ${report.repo} verified: ${report.records} record(s), each proven by one of ${report.checkpoints} signed checkpoint(s). (An export cannot prove that no record was left out.)`);
  return 0;
}
