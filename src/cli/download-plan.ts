import path from 'node:path';
import picomatch from 'picomatch';
import { CliError } from './output.ts';

/** Pure helpers for `airlock download`: which files, where they go, and what the server's headers say. */

/**
 * A matcher for `--include` globs. A pattern with a "/" matches the whole repository path
 * (`weights/**`, `sub/*.json`); one without matches the file name in any folder (`*.json`), as
 * .gitignore does. Dot files match too: `*.json` should not skip `.config.json`.
 */
export function includeMatcher(patterns: string[]): (repoPath: string) => boolean {
  if (patterns.length === 0) return () => true;
  const matchers = patterns.map((pattern) => {
    const anchored = pattern.replace(/^\.?\/+/, '');
    const test = picomatch(anchored, { dot: true });
    return anchored.includes('/') ? test : (p: string) => test(p.slice(p.lastIndexOf('/') + 1));
  });
  return (repoPath) => matchers.some((match) => match(repoPath));
}

/**
 * Where a repository path lands under `root`, or a CliError when the server's tree names a path
 * that would escape it (absolute, `..`, a backslash, a drive letter): a malicious or broken server
 * must not be able to write anywhere else on this disk.
 */
export function localPathFor(root: string, repoPath: string): string {
  const refuse = (why: string) => new CliError(`The server listed the file ${JSON.stringify(repoPath)}, which ${why}. Nothing was written for it; report this to the server's operators.`);
  // eslint-disable-next-line no-control-regex
  if (repoPath === '' || /[\u0000-\u001f]/.test(repoPath)) throw refuse('is empty or holds control characters');
  if (repoPath.includes('\\') || /^[A-Za-z]:/.test(repoPath)) throw refuse('is not a "/"-separated relative path');
  if (repoPath.startsWith('/')) throw refuse('is absolute');
  if (repoPath.split('/').some((s) => s === '' || s === '.' || s === '..')) throw refuse('has an empty, "." or ".." folder');
  const base = path.resolve(root);
  const target = path.resolve(base, ...repoPath.split('/'));
  const relative = path.relative(base, target);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) throw refuse(`would be written outside ${root}`);
  return target;
}

/** The `rel="next"` target of a `Link` header, as the tree listing pages. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const match = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (match && /(^|;)\s*rel\s*=\s*"?next"?\s*(;|$)/i.test(match[2]!)) return match[1]!;
  }
  return null;
}

/** True when `Content-Range` says the body starts at `start` and runs to the end of a `size`-byte file. */
export function rangeMatches(header: string | null, start: number, size: number): boolean {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header?.trim() ?? '');
  return match !== null && Number(match[1]) === start && Number(match[2]) === size - 1 && Number(match[3]) === size;
}

/** The default download folder: `./OWNER__NAME`, a name that cannot collide with a nested path. */
export const defaultDownloadDir = (repo: string) => `.${path.sep}${repo.replace('/', '__')}`;
