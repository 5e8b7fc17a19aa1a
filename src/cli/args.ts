import type { RepoType } from './http-client.ts';
import { CliError } from './output.ts';

/** Argument checks shared by the client commands. Usage mistakes exit with code 2. */

export const usageError = (message: string, usage: string) => new CliError(`${message}\n\n${usage}`, 2);

const REPO_ID = /^[^/\s]+\/[^/\s]+$/;

export function parseRepoId(value: string | undefined, usage: string): string {
  if (!value) throw usageError('Name the repository as OWNER/NAME.', usage);
  if (!REPO_ID.test(value)) throw usageError(`"${value}" is not a repository name; give it as OWNER/NAME.`, usage);
  return value;
}

export function parseRepoType(value: string | undefined, usage: string): RepoType {
  if (value === undefined || value === 'model') return 'model';
  if (value === 'dataset') return 'dataset';
  throw usageError(`--type must be "model" or "dataset", not "${value}".`, usage);
}

export function parseChoice<T extends string>(option: string, value: string | undefined, choices: readonly T[], fallback: T, usage: string): T {
  if (value === undefined) return fallback;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw usageError(`--${option} must be one of ${choices.join(', ')}; "${value}" is not.`, usage);
}

/** Refuses positionals a command does not take, so a typo is not silently ignored. */
export function noMorePositionals(rest: string[], usage: string) {
  if (rest.length > 0) throw usageError(`Unexpected argument "${rest[0]}".`, usage);
}

/** "model alice/x" or "dataset alice/x", as messages name repositories. */
export const describeRepo = (type: RepoType, repo: string) => `${type} ${repo}`;
