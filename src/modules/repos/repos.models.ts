import { createHash } from 'node:crypto';
import { parseDocument, LineCounter } from 'yaml';
import { AppError, badRequest } from '../../lib/errors.ts';

/** Names follow the Hub's rules: letters, digits, `-`, `_`, `.`; no leading/trailing `-`/`.`, no `--` or `..`. */
const NAME_PATTERN = /^(?![-.])(?!.*(--|\.\.))[A-Za-z0-9_.-]{1,96}(?<![-.])$/;

export function assertValidName(value: string, field: string) {
  if (!NAME_PATTERN.test(value)) {
    throw badRequest('invalid_name', `${field} must be 1–96 characters of letters, digits, "-", "_" or ".", must not start or end with "-" or ".", and must not contain "--" or "..".`, field);
  }
}

export const MAX_PATH_BYTES = 1024;

/**
 * Validates a repository file path as uploaded. Rejects anything that could escape the tree
 * or be read differently by another client: absolute paths, `..`, empty or `.` segments,
 * backslashes, control characters and the `.git` directory.
 */
export function validateFilePath(raw: string, field = 'path'): string {
  const fail = (why: string) => badRequest('invalid_path', `File path ${JSON.stringify(raw.slice(0, 200))} is not allowed: ${why}.`, field);
  if (raw.length === 0) throw fail('it is empty');
  if (Buffer.byteLength(raw) > MAX_PATH_BYTES) throw fail(`it is longer than ${MAX_PATH_BYTES} bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw fail('it contains a control character (such as NUL or a newline)');
  // A lone surrogate is not Unicode: the database would store U+FFFD instead, a different name.
  if (/\p{Cs}/u.test(raw)) throw fail('it is not valid Unicode (it contains a lone surrogate)');
  if (raw.includes('\\')) throw fail('it contains a backslash; use "/" between folders');
  if (raw.startsWith('/')) throw fail('it is absolute; give it relative to the repository root');
  const segments = raw.split('/');
  for (const segment of segments) {
    if (segment === '') throw fail('it has an empty folder name ("//" or a trailing "/")');
    if (segment === '.' || segment === '..') throw fail('it contains "." or ".." as a folder name');
    if (Buffer.byteLength(segment) > 255) throw fail('a folder or file name is longer than 255 bytes');
  }
  if (segments[0]!.toLowerCase() === '.git') throw fail('".git" is reserved');
  return raw.normalize('NFC');
}

/** Extensions the Hub always stores through LFS; everything at or above 10 MiB is LFS too. */
const LFS_EXTENSIONS = new Set([
  'safetensors', 'bin', 'pt', 'pth', 'ckpt', 'h5', 'onnx', 'gguf', 'ggml', 'msgpack', 'tflite', 'model',
  'parquet', 'arrow', 'npy', 'npz', 'pkl', 'pickle', 'joblib', 'zip', 'gz', 'tar', 'tgz', 'zst', 'xz', '7z', 'rar',
]);
export const LFS_SIZE_THRESHOLD = 10 * 1024 * 1024;

export function isLfsFile(path: string, size: number): boolean {
  if (size >= LFS_SIZE_THRESHOLD) return true;
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') && LFS_EXTENSIONS.has(path.slice(dot + 1).toLowerCase());
}

/** The Git LFS pointer text that stands in the git tree for an LFS file. */
export const lfsPointer = (sha256: string, size: number) =>
  `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`;

export interface RevisionFileEntry {
  path: string;
  sha256: string;
  size: number;
  /** Null only for LFS files of 10 MiB or more, whose content sha1 is never shown. */
  gitSha1: string | null;
  lfs: boolean;
}

/** The commit id is a sha1 over everything that makes the revision, so it is stable and unforgeable. */
export function computeRevisionId(input: { repoId: string; parentId: string | null; authorId: string; message: string; createdAt: Date; files: RevisionFileEntry[] }): string {
  const hash = createHash('sha1');
  hash.update(`airlock-revision\0${input.repoId}\0${input.parentId ?? ''}\0${input.authorId}\0${input.createdAt.toISOString()}\0${input.message}\0`);
  for (const file of [...input.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${file.path}\0${file.sha256}\0${file.size}\n`);
  }
  return hash.digest('hex');
}

export const COMMIT_ID_PATTERN = /^[0-9a-f]{40}$/;

/**
 * Parses the YAML front matter of a model card. A card without front matter has empty metadata;
 * one whose front matter does not parse is refused, naming the line at fault.
 */
export function parseCardFrontMatter(markdown: string): { metadata: Record<string, unknown>; body: string } {
  const text = markdown.replace(/^\uFEFF/, '');
  const match = /^---[ \t]*\r?\n([\s\S]*?)\r?\n?---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!match) return { metadata: {}, body: text };
  const yamlText = match[1] ?? '';
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError) {
    // +1: the opening `---` is line 1 of README.md.
    const line = (lineCounter.linePos(firstError.pos[0]).line ?? 0) + 1;
    throw new AppError('invalid_card', 400, `README.md front matter is not valid YAML at line ${line}: ${firstError.message.split('\n')[0]}. Fix that line and upload again.`, { field: 'README.md', details: { line } });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    // The YAML library throws (a ReferenceError) on an alias with no anchor before it and on an
    // alias bomb that would expand past the limit: a broken card, not a server fault.
    const reason = error instanceof Error ? error.message.split('\n')[0] : 'it cannot be read';
    throw new AppError('invalid_card', 400, `README.md front matter cannot be used: ${reason}. Fix the anchors and aliases (&name, *name) and upload again.`, { field: 'README.md' });
  }
  if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
    throw new AppError('invalid_card', 400, 'README.md front matter must be a YAML mapping (key: value lines). Fix it and upload again.', { field: 'README.md', details: { line: 2 } });
  }
  return { metadata: (value ?? {}) as Record<string, unknown>, body: text.slice(match[0].length) };
}
