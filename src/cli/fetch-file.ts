import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { rangeMatches } from './download-plan.ts';
import type { ApiClient } from './http-client.ts';
import { CliError } from './output.ts';
import type { Progress } from './progress.ts';

/** A file as the tree listing describes it, with the digest the server vouches for. */
export interface RemoteFile {
  path: string;
  size: number;
  /** sha256 of the content (`lfs.oid`), for LFS files. */
  sha256?: string;
  /** git's blob sha1 of the content (`oid`), for small files, which carry no sha256 in the tree. */
  gitSha1?: string;
}

/** Hashes content the way the server names it: sha256, or sha1("blob <size>\0" + bytes). */
export class ContentCheck {
  private readonly hash: Hash;
  private bytes = 0;
  readonly algorithm: 'sha256' | 'git sha1';
  private expected: string;

  constructor(private readonly file: RemoteFile) {
    if (file.sha256) {
      this.algorithm = 'sha256';
      this.expected = file.sha256;
      this.hash = createHash('sha256');
    } else {
      this.algorithm = 'git sha1';
      this.expected = file.gitSha1 ?? '';
      // The size in git's header is the announced one: a short or long body then fails the check.
      this.hash = createHash('sha1').update(`blob ${file.size}\0`);
    }
  }

  /**
   * A fingerprinting server sends each recipient their own copy of some files: the tree lists the
   * original's sha256, and the answer (`X-Airlock-Fingerprinted`) names the copy's in its ETag.
   */
  expectFingerprintedCopy(headers: Headers) {
    const etag = (headers.get('x-linked-etag') ?? headers.get('etag') ?? '').replace(/^W\//, '').replace(/"/g, '');
    if (this.algorithm === 'sha256' && headers.get('x-airlock-fingerprinted') && /^[0-9a-f]{64}$/.test(etag)) this.expected = etag;
  }

  update(chunk: Buffer) {
    this.bytes += chunk.length;
    this.hash.update(chunk);
  }

  /** Ends the hash; call once. */
  verdict() {
    const actual = this.hash.digest('hex');
    return { ok: this.bytes === this.file.size && actual === this.expected, actual, expected: this.expected, bytes: this.bytes };
  }
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    const stat = await fs.stat(file);
    return stat.isFile() ? stat.size : null;
  } catch {
    return null;
  }
}

async function hashFile(file: string, check: ContentCheck, end?: number) {
  for await (const chunk of createReadStream(file, end === undefined ? {} : { end: end - 1 })) check.update(chunk as Buffer);
}

/** True when `target` already holds exactly this content, so it need not be fetched again. */
export async function isUpToDate(target: string, file: RemoteFile): Promise<boolean> {
  if ((await sizeOf(target)) !== file.size) return false;
  const check = new ContentCheck(file);
  await hashFile(target, check);
  return check.verdict().ok;
}

/**
 * Refuses to write through a symbolic link that leads out of the download folder: the path check
 * on the name alone cannot see a link already on disk.
 */
async function ensureFolderInside(root: string, folder: string) {
  await fs.mkdir(folder, { recursive: true });
  const [realRoot, realFolder] = await Promise.all([fs.realpath(root), fs.realpath(folder)]);
  const relative = path.relative(realRoot, realFolder);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new CliError(`${folder} leads outside ${root} (through a symbolic link). Remove the link or download into another folder.`);
  }
}

export interface DownloadResult {
  /** Bytes kept from an earlier `.incomplete`, 0 for a download from the start. */
  resumedFrom: number;
  /** True when a partial download failed its check and was fetched again from zero. */
  restarted: boolean;
}

/**
 * Downloads one file to `target` through `target.incomplete`, resuming that file with a Range
 * request when it exists. The result is renamed into place only once its size and digest match,
 * so `target` never holds wrong bytes; a resumed file that fails the check (its old bytes were
 * corrupt) is fetched once more from zero.
 */
export async function downloadVerified(client: ApiClient, url: string, root: string, target: string, file: RemoteFile, progress: Progress): Promise<DownloadResult> {
  const partial = `${target}.incomplete`;
  const have = (await sizeOf(partial)) ?? 0;
  let result = await attempt({ client, url, root, partial, file, progress }, have <= file.size ? have : 0);
  let restarted = false;
  if (!result.verdict.ok && result.resumedFrom > 0) {
    progress.note(`  ${file.path}: the partial download did not match its ${result.algorithm}; downloading it again from the start`);
    restarted = true;
    progress.advance(-result.counted);
    result = await attempt({ client, url, root, partial, file, progress }, 0);
  }
  if (!result.verdict.ok) {
    await fs.rm(partial, { force: true });
    const { expected, actual, bytes } = result.verdict;
    throw new CliError(`${file.path} failed its check: expected ${file.size} bytes with ${result.algorithm} ${expected}, received ${bytes} bytes with ${actual}. The download was discarded; try again, and tell the server's operators if it happens again.`);
  }
  try {
    await fs.rename(partial, target);
  } catch (error) {
    throw new CliError(`Could not put ${file.path} in place at ${target}: ${(error as Error).message}. The verified download is kept in ${partial}.`);
  }
  return { resumedFrom: restarted ? 0 : result.resumedFrom, restarted };
}

interface AttemptResult {
  verdict: ReturnType<ContentCheck['verdict']>;
  algorithm: string;
  resumedFrom: number;
  /** Bytes this attempt added to the progress, given back if it is thrown away. */
  counted: number;
}

interface AttemptContext {
  client: ApiClient;
  url: string;
  root: string;
  partial: string;
  file: RemoteFile;
  progress: Progress;
}

async function attempt(ctx: AttemptContext, offset: number): Promise<AttemptResult> {
  const { file, progress } = ctx;
  let check = new ContentCheck(file);
  let counted = 0;
  const count = (bytes: number) => {
    counted += bytes;
    progress.advance(bytes);
  };
  if (offset > 0) {
    // The kept bytes are part of the digest; hashing them now lets the new ones stream straight to disk.
    await hashFile(ctx.partial, check, offset);
    count(offset);
    if (offset === file.size) return { verdict: check.verdict(), algorithm: check.algorithm, resumedFrom: offset, counted };
  }
  // identity: a compressed answer would make byte offsets meaningless for the next resume.
  const headers: Record<string, string> = { 'Accept-Encoding': 'identity', ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}) };
  const response = await ctx.client.send('GET', ctx.url, { headers, allowStatus: [416] });
  check.expectFingerprintedCopy(response.headers);
  let resumedFrom = offset;
  if (offset > 0 && !(response.status === 206 && rangeMatches(response.headers.get('content-range'), offset, file.size))) {
    // The server did not continue where we stopped (the file changed, or it ignores ranges).
    // Appending would corrupt the file, so start over: with this answer if it is the whole file.
    count(-counted);
    if (response.status !== 200) {
      await response.body?.cancel();
      return attempt(ctx, 0);
    }
    check = new ContentCheck(file);
    check.expectFingerprintedCopy(response.headers);
    resumedFrom = 0;
  } else if (offset === 0 && response.status !== 200) {
    await response.body?.cancel();
    throw new CliError(`${ctx.client.endpoint} answered ${response.status} to a plain download of ${file.path}. Is it an Airlock server?`);
  }

  await ensureFolderInside(ctx.root, path.dirname(ctx.partial));
  const tap = new Transform({
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _encoding, callback) {
      check.update(chunk);
      count(chunk.length);
      callback(null, chunk);
    },
  });
  const body = response.body ? Readable.fromWeb(response.body as never) : Readable.from([]);
  try {
    await pipeline(body, tap, createWriteStream(ctx.partial, { flags: resumedFrom > 0 ? 'a' : 'w' }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).syscall) throw new CliError(`Could not write ${ctx.partial}: ${(error as Error).message}`);
    throw new CliError(`The connection to ${ctx.client.endpoint} broke while downloading ${file.path} (${(error as Error).message}). Run the same command again to resume.`);
  }
  return { verdict: check.verdict(), algorithm: check.algorithm, resumedFrom, counted };
}
