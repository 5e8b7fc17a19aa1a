import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Readable, Transform } from 'node:stream';
import { parseArgs } from 'node:util';
import { parseRepoId, parseRepoType, usageError } from '../args.ts';
import { resolveClientSettings } from '../credentials.ts';
import { ApiClient, type RepoType } from '../http-client.ts';
import { CliError, print } from '../output.ts';
import { createProgress, formatBytes, type Progress } from '../progress.ts';

const USAGE = `Usage: airlock upload OWNER/NAME PATH... [--message M] [--revision BRANCH] [--type model|dataset]

Uploads files and folders as one commit. The files of a folder keep their paths relative to that
folder (airlock upload org/m ./weights puts ./weights/a/b.bin at a/b.bin); a file is uploaded under
its own name. .git folders are skipped.
  --message   the commit message (default "Upload N files")
  --revision  the branch to commit to (default main; a new name starts a branch)
  --type      model (default) or dataset`;

export interface LocalFile {
  /** Where the file is on this disk. */
  source: string;
  /** Its path in the repository, with "/" between folders. */
  path: string;
  size: number;
}

interface UploadedBlob {
  sha256: string;
  size: number;
}

interface CommitAnswer {
  commitOid: string;
  commitUrl: string;
  fileCount: number;
}

export async function uploadCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { message: { type: 'string', short: 'm' }, revision: { type: 'string' }, type: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    print(USAGE);
    return 0;
  }
  const [repoArg, ...paths] = positionals;
  const repo = parseRepoId(repoArg, USAGE);
  if (paths.length === 0) throw usageError('Give at least one file or folder to upload.', USAGE);
  const type = parseRepoType(values.type, USAGE);
  const branch = values.revision ?? 'main';

  const files = await collectFiles(paths);
  if (files.length === 0) throw new CliError(`There is nothing to upload in ${paths.join(', ')}: no files outside .git folders.`);
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  const client = new ApiClient(await resolveClientSettings());
  const base = client.apiBase(type, repo);

  print(`Uploading ${files.length} file${files.length === 1 ? '' : 's'} (${formatBytes(totalBytes)}) to ${type} ${repo}, branch ${branch}`);
  const operations: Array<{ op: 'add'; path: string; sha256: string }> = [];
  const progress = createProgress(totalBytes);
  try {
    for (const file of files) {
      progress.setFile(file.path);
      const sha256 = await uploadFile(client, base, file, progress);
      operations.push({ op: 'add', path: file.path, sha256 });
      progress.fileDone(`  uploaded ${file.path} (${formatBytes(file.size)})`);
    }
  } finally {
    progress.stop();
  }
  const message = values.message ?? `Upload ${files.length} file${files.length === 1 ? '' : 's'}`;
  const commit = await client.sendJson<CommitAnswer>('POST', `${base}/commit/${encodeURIComponent(branch)}`, { message, operations });
  print(`Committed ${commit.fileCount} file${commit.fileCount === 1 ? '' : 's'} to ${repo}@${branch}: ${commit.commitOid}`);
  print(commit.commitUrl);
  return 0;
}

/**
 * Streams one file to the server, hashing it on the way. The server answers with the sha256 it
 * computed; comparing the two catches a file that changed while it was read, and any corruption
 * in between, before the commit makes the blob part of a revision.
 */
async function uploadFile(client: ApiClient, base: string, file: LocalFile, progress: Progress): Promise<string> {
  const hash = createHash('sha256');
  let sent = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      sent += chunk.length;
      progress.advance(chunk.length);
      callback(null, chunk);
    },
  });
  let readError: Error | undefined;
  const body = pipeline(createReadStream(file.source), tap, (error) => {
    if (error) readError = error;
  });
  let blob: UploadedBlob;
  try {
    const response = await client.send('PUT', `${base}/upload`, {
      body: Readable.toWeb(body) as ReadableStream<Uint8Array>,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(file.size) },
    });
    blob = (await response.json()) as UploadedBlob;
  } catch (error) {
    body.destroy();
    progress.advance(-sent);
    if (readError) throw new CliError(`Could not read ${file.source}: ${readError.message}`);
    throw error;
  }
  const local = hash.digest('hex');
  if (blob.sha256 !== local || blob.size !== file.size) {
    throw new CliError(`${file.source} changed while it was uploaded (sent ${file.size} bytes with sha256 ${local}, the server stored ${blob.size} bytes with ${blob.sha256}). Nothing was committed; run the upload again.`);
  }
  return blob.sha256;
}

/**
 * Expands the PATH arguments into files with their repository paths, sorted, so the commit is the
 * same whatever order the disk lists them in. Two arguments that land on one repository path are
 * refused rather than one silently replacing the other.
 */
export async function collectFiles(paths: string[]): Promise<LocalFile[]> {
  const files = new Map<string, LocalFile>();
  const add = (file: LocalFile) => {
    const existing = files.get(file.path);
    if (existing) throw new CliError(`${existing.source} and ${file.source} would both be uploaded as ${file.path}. Upload them in separate commands or rename one.`, 2);
    files.set(file.path, file);
  };
  for (const given of paths) {
    const stat = await fs.stat(given).catch((error: NodeJS.ErrnoException) => {
      throw new CliError(error.code === 'ENOENT' ? `No such file or folder: ${given}` : `Cannot read ${given}: ${error.message}`);
    });
    if (stat.isDirectory()) {
      for await (const file of walk(path.resolve(given), '', new Set())) add(file);
    } else if (stat.isFile()) {
      add({ source: path.resolve(given), path: path.basename(given).normalize('NFC'), size: stat.size });
    } else {
      throw new CliError(`${given} is neither a file nor a folder.`);
    }
  }
  return [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Follows symbolic links like any reader would, but visits each real folder once, so a link loop ends. */
async function* walk(dir: string, prefix: string, seen: Set<string>): AsyncGenerator<LocalFile> {
  const real = await fs.realpath(dir);
  if (seen.has(real)) return;
  seen.add(real);
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    // The repository paths must not carry a local repository's internals; the server refuses .git anyway.
    if (entry.name === '.git') continue;
    const source = path.join(dir, entry.name);
    // macOS stores names decomposed (NFD); the server keeps paths composed (NFC).
    const repoPath = `${prefix}${entry.name.normalize('NFC')}`;
    const stat = entry.isSymbolicLink() ? await fs.stat(source).catch(() => null) : null;
    if (entry.isDirectory() || stat?.isDirectory()) yield* walk(source, `${repoPath}/`, seen);
    else if (entry.isFile() || stat?.isFile()) yield { source, path: repoPath, size: stat?.size ?? (await fs.stat(source)).size };
  }
}
