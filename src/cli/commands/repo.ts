import { parseArgs } from 'node:util';
import { describeRepo, noMorePositionals, parseChoice, parseRepoId, parseRepoType, usageError } from '../args.ts';
import { resolveClientSettings } from '../credentials.ts';
import { ApiClient } from '../http-client.ts';
import { print } from '../output.ts';

// The server validates these too; they are listed here so a typo fails before any request,
// and so the client does not load the server's database schema to know them.
const ACCESS_LEVELS = ['open', 'agreement', 'reviewed', 'no-download'] as const;

const USAGE = `Usage: airlock repo create OWNER/NAME [--type model|dataset] [--access open|agreement|reviewed|no-download] [--private]

Creates a repository under your user or an organisation where you have the write role.
  --type      model (default) or dataset
  --access    who can download: open (default), agreement, reviewed or no-download
  --private   visible to members of OWNER only`;

interface CreatedRepo {
  id: string;
  type: string;
  private: boolean;
  accessLevel: string;
  url: string;
}

export async function repoCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { type: { type: 'string' }, access: { type: 'string' }, private: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    print(USAGE);
    return 0;
  }
  const [sub, repoArg, ...rest] = positionals;
  if (sub !== 'create') throw usageError(sub ? `Unknown repo command "${sub}".` : 'Say what to do with the repository.', USAGE);
  const repo = parseRepoId(repoArg, USAGE);
  noMorePositionals(rest, USAGE);
  const type = parseRepoType(values.type, USAGE);
  const accessLevel = parseChoice('access', values.access, ACCESS_LEVELS, 'open', USAGE);

  const client = new ApiClient(await resolveClientSettings());
  const created = await client.sendJson<CreatedRepo>('POST', '/api/repos', { repo, type, accessLevel, private: Boolean(values.private) });
  print(`Created ${describeRepo(type, created.id)} (access: ${created.accessLevel}, ${created.private ? 'private' : 'public'})`);
  print(created.url);
  return 0;
}
