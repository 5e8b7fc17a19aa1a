import path from 'node:path';
import { parseArgs } from 'node:util';
import { noMorePositionals, parseRepoId, parseRepoType } from '../args.ts';
import { resolveClientSettings } from '../credentials.ts';
import { defaultDownloadDir, includeMatcher, localPathFor, nextLink } from '../download-plan.ts';
import { downloadVerified, isUpToDate, type RemoteFile } from '../fetch-file.ts';
import { ApiClient, type RepoType } from '../http-client.ts';
import { CliError, print } from '../output.ts';
import { createProgress, formatBytes } from '../progress.ts';

const USAGE = `Usage: airlock download OWNER/NAME [--revision R] [--to DIR] [--include GLOB]... [--type model|dataset]

Downloads every file of a revision, checking each against the sha256 (or git sha1) the server
lists. An interrupted download resumes where it stopped when you run the command again, and
files already present with the right content are skipped.
  --revision  a branch, tag or commit id (default main)
  --to        the folder to download into (default ./OWNER__NAME)
  --include   only files matching this glob; repeat for more. "*.json" matches in every folder,
              "weights/**" everything under weights/
  --type      model (default) or dataset`;

interface RevisionInfo {
  sha?: unknown;
}

interface TreeEntry {
  type: 'file' | 'directory';
  path: string;
  size: number;
  oid: string;
  lfs?: { oid: string; size: number };
}

export async function downloadCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { revision: { type: 'string' }, to: { type: 'string' }, include: { type: 'string', multiple: true }, type: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    print(USAGE);
    return 0;
  }
  const [repoArg, ...rest] = positionals;
  const repo = parseRepoId(repoArg, USAGE);
  noMorePositionals(rest, USAGE);
  const type = parseRepoType(values.type, USAGE);
  const revision = values.revision ?? 'main';
  const includes = values.include ?? [];
  const root = values.to ?? defaultDownloadDir(repo);

  const client = new ApiClient(await resolveClientSettings());
  const sha = await resolveCommit(client, type, repo, revision);
  const all = await listFiles(client, type, repo, sha);
  const match = includeMatcher(includes);
  const files = all.filter((f) => match(f.path));
  if (files.length === 0) {
    if (all.length === 0) throw new CliError(`${repo} has no files at ${revision} (${sha}).`);
    throw new CliError(`No file of ${repo} at ${revision} matches ${includes.map((g) => `--include "${g}"`).join(' ')}. It has ${all.length} files, such as ${all.slice(0, 3).map((f) => f.path).join(', ')}.`);
  }
  // Every path is checked before anything is written, so a bad listing writes nothing at all.
  const planned = files.map((file) => ({ file, target: localPathFor(root, file.path) }));
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  print(`Downloading ${type} ${repo} at ${revision} (${sha}): ${files.length} file${files.length === 1 ? '' : 's'}, ${formatBytes(totalBytes)}, into ${root}`);

  const counts = { downloaded: 0, resumed: 0, upToDate: 0 };
  const progress = createProgress(totalBytes);
  try {
    for (const { file, target } of planned) {
      progress.setFile(file.path);
      if (await isUpToDate(target, file)) {
        counts.upToDate += 1;
        progress.advance(file.size);
        progress.fileDone(`  up to date ${file.path}`);
        continue;
      }
      const url = client.resolveUrl(type, repo, sha, file.path);
      const result = await downloadVerified(client, url, root, target, file, progress);
      if (result.resumedFrom > 0) counts.resumed += 1;
      else counts.downloaded += 1;
      const how = result.resumedFrom > 0 ? `resumed at ${formatBytes(result.resumedFrom)}` : result.restarted ? 'downloaded again after a failed check' : 'downloaded';
      progress.fileDone(`  ${how} ${file.path} (${formatBytes(file.size)})`);
    }
  } finally {
    progress.stop();
  }
  const parts = [`${counts.downloaded} downloaded`, ...(counts.resumed ? [`${counts.resumed} resumed`] : []), ...(counts.upToDate ? [`${counts.upToDate} already up to date`] : [])];
  print(`Done: ${parts.join(', ')}. Files are in ${path.resolve(root)}`);
  return 0;
}

/** Pins the revision to its commit first, so every file comes from one revision even if a branch moves meanwhile. */
async function resolveCommit(client: ApiClient, type: RepoType, repo: string, revision: string): Promise<string> {
  const info = await client.sendJson<RevisionInfo>('GET', `${client.apiBase(type, repo)}/revision/${encodeURIComponent(revision)}?blobs=true`);
  if (typeof info.sha !== 'string' || !/^[0-9a-f]{40}$/.test(info.sha)) throw new CliError(`${client.endpoint} did not give the commit of ${repo} at ${revision}. Is it an Airlock server?`);
  return info.sha;
}

/** The whole recursive tree, page by page through the `Link: <…>; rel="next"` header. */
async function listFiles(client: ApiClient, type: RepoType, repo: string, sha: string): Promise<RemoteFile[]> {
  const files: RemoteFile[] = [];
  let next: string | null = `${client.apiBase(type, repo)}/tree/${sha}?recursive=true`;
  const seen = new Set<string>();
  while (next) {
    if (seen.has(next)) throw new CliError(`${client.endpoint} sent a tree listing that pages in a loop. Report this to the server's operators.`);
    seen.add(next);
    const response = await client.send('GET', next);
    const page = (await response.json()) as TreeEntry[];
    for (const entry of page) {
      if (entry.type !== 'file') continue;
      files.push({ path: entry.path, size: entry.size, ...(entry.lfs ? { sha256: entry.lfs.oid } : { gitSha1: entry.oid }) });
    }
    next = sameServer(nextLink(response.headers.get('link')), client.endpoint);
  }
  return files;
}

/**
 * The server builds `next` from its public URL, which may differ from the endpoint we reach it by
 * (a proxy, a port mapping). Its path and query are what matter; they are sent to our endpoint,
 * which is also the only place the token may go.
 */
function sameServer(link: string | null, endpoint: string): string | null {
  if (!link) return null;
  const url = new URL(link, endpoint);
  const base = new URL(endpoint);
  return url.origin === base.origin ? url.toString() : `${base.origin}${url.pathname}${url.search}`;
}
