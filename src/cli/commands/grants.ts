import { parseArgs } from 'node:util';
import { noMorePositionals, parseRepoId, parseRepoType, usageError } from '../args.ts';
import { resolveClientSettings } from '../credentials.ts';
import { ApiClient } from '../http-client.ts';
import { print } from '../output.ts';

const GRANT_USAGE = `Usage: airlock grant OWNER/NAME USER [--until DATE] [--type model|dataset]

Gives USER access to the repository's files, accepting any request they have pending.
  --until   when the access ends (an ISO date or date-time, such as 2026-12-31); none by default
  --type    model (default) or dataset`;

const REVOKE_USAGE = `Usage: airlock revoke OWNER/NAME USER [--reason TEXT] [--type model|dataset]

Ends USER's access to the repository's files at once, including downloads they resume later.
  --reason  why, kept in the audit log
  --type    model (default) or dataset`;

function parseGrantArgs(args: string[], usage: string, extra: 'until' | 'reason') {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { [extra]: { type: 'string' }, type: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return null;
  const [repoArg, user, ...rest] = positionals;
  const repo = parseRepoId(repoArg, usage);
  if (!user) throw usageError('Name the user.', usage);
  noMorePositionals(rest, usage);
  const value = values[extra];
  return { repo, user, type: parseRepoType(values.type as string | undefined, usage), value: typeof value === 'string' ? value : undefined };
}

export async function grantCommand(args: string[]): Promise<number> {
  const parsed = parseGrantArgs(args, GRANT_USAGE, 'until');
  if (!parsed) {
    print(GRANT_USAGE);
    return 0;
  }
  let until: string | undefined;
  if (parsed.value !== undefined) {
    const date = new Date(parsed.value);
    if (Number.isNaN(date.getTime())) throw usageError(`--until "${parsed.value}" is not a date; use a form such as 2026-12-31 or 2026-12-31T18:00:00Z.`, GRANT_USAGE);
    until = date.toISOString();
  }
  const client = new ApiClient(await resolveClientSettings());
  const grant = await client.sendJson<{ user: string; endsAt: string | null }>('POST', `${client.apiBase(parsed.type, parsed.repo)}/grants`, { user: parsed.user, until });
  print(`Granted ${grant.user} access to ${parsed.repo} ${grant.endsAt ? `until ${grant.endsAt}` : 'with no end date'}`);
  return 0;
}

export async function revokeCommand(args: string[]): Promise<number> {
  const parsed = parseGrantArgs(args, REVOKE_USAGE, 'reason');
  if (!parsed) {
    print(REVOKE_USAGE);
    return 0;
  }
  const client = new ApiClient(await resolveClientSettings());
  const result = await client.sendJson<{ user: string; revoked: number }>('POST', `${client.apiBase(parsed.type, parsed.repo)}/grants/revoke`, { user: parsed.user, reason: parsed.value });
  print(`Revoked ${result.user}'s access to ${parsed.repo}`);
  return 0;
}
