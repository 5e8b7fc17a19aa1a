/** Pure helpers for the Hugging Face–compatible protocol. No I/O. */

export type ByteRange = { start: number; end: number };
export type RangeResult = { kind: 'full' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' } | { kind: 'malformed' };

const BYTE_RANGE = /^\s*(\d*)\s*-\s*(\d*)\s*$/;

/**
 * Parses a `Range` header for a resource of `size` bytes (RFC 9110 §14.1.2), single range only.
 * - A unit other than `bytes`, an empty header, or a list of several ranges: the whole file. The
 *   RFC lets a server ignore them, and no Hugging Face client sends one.
 * - A `bytes` range that does not parse (`bytes=abc`, `bytes=5-3`, `bytes=`), or a header with no
 *   unit at all: `malformed`, answered 416 with a message, because a client that sent it has a bug
 *   and a silent 200 of a 100 GB file would hide it.
 */
export function parseRange(header: string | undefined | null, size: number): RangeResult {
  if (header === undefined || header === null || header.trim() === '') return { kind: 'full' };
  const unit = /^\s*([A-Za-z][\w-]*)\s*=(.*)$/s.exec(header);
  if (!unit) return { kind: 'malformed' };
  if (unit[1]!.toLowerCase() !== 'bytes') return { kind: 'full' };
  const specs = unit[2]!.split(',');
  const parsed = specs.map((spec) => BYTE_RANGE.exec(spec));
  if (parsed.some((match) => !match || (match[1] === '' && match[2] === '') || (match[1] !== '' && match[2] !== '' && Number(match[2]) < Number(match[1])))) return { kind: 'malformed' };
  if (specs.length > 1) return { kind: 'full' };
  const [, startText = '', endText = ''] = parsed[0]!;
  if (startText === '') {
    // Suffix range: the last N bytes.
    const suffix = Number(endText);
    if (!Number.isSafeInteger(suffix) || suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(startText);
  if (!Number.isSafeInteger(start) || start >= size) return { kind: 'unsatisfiable' };
  let end = endText === '' ? size - 1 : Number(endText);
  if (!Number.isSafeInteger(end)) end = size - 1;
  return { kind: 'partial', range: { start, end: Math.min(end, size - 1) } };
}

export type RepoPathPrefix = 'models' | 'datasets';

export interface ResolvePath {
  type: 'model' | 'dataset';
  namespace: string;
  name: string;
  revision: string;
  filePath: string;
}

/**
 * Splits a raw (still percent-encoded) URL path of the form
 * `/[datasets/]{ns}/{name}/resolve/{revision}/{path...}`. Each segment is decoded on its own,
 * so an encoded `%2F` in the revision (`refs%2Fpr%2F1`) does not split it.
 * Returns null when the path is not a resolve URL or is malformed.
 */
export function parseResolvePath(rawPath: string): ResolvePath | null {
  const segments = rawPath.split('/').slice(1);
  let type: ResolvePath['type'] = 'model';
  if (segments[0] === 'datasets') {
    type = 'dataset';
    segments.shift();
  } else if (segments[0] === 'models') {
    segments.shift();
  }
  if (segments.length < 5 || segments[2] !== 'resolve') return null;
  const decoded: string[] = [];
  for (const segment of segments) {
    try {
      decoded.push(decodeURIComponent(segment));
    } catch {
      return null;
    }
  }
  const [namespace, name, , revision, ...fileSegments] = decoded as [string, string, string, string, ...string[]];
  const filePath = fileSegments.join('/');
  if (!namespace || !name || !revision || !filePath) return null;
  return { type, namespace, name, revision, filePath };
}
