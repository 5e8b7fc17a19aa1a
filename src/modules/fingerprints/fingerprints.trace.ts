import { BLOCK, emptyVotes, FALSE_ACCUSATION_BOUND, markedTensor, recipientCode, scoreCode, voteTensor, MARKED_DTYPES, type Score } from './fingerprints.models.ts';
import type { SafetensorsHeader, TensorEntry } from './safetensors.ts';
import { dtypeBytes, isLosslessUpcast, narrow } from './fingerprints.widen.ts';

/**
 * Tracing a suspected copy back to its recipient. Pure but for the `read` callback.
 *
 * Every recipient has their own positions, so there is no single set of marks to read: each chunk
 * of the suspect is read once and every candidate's marks in it are read at that candidate's
 * positions and voted into that candidate's code bits. The work is O(candidates × marks); the
 * file is read once whatever the number of candidates.
 */

export interface TraceOriginal {
  fileSha256: string;
  header: SafetensorsHeader;
  /** Where it was published, for the report: `owner/name:path`. */
  label: string;
  candidates: { recipientId: string; name: string }[];
}

/** Reads `length` bytes of the suspected copy from absolute offset `at`. */
export type SuspectReader = (at: number, length: number) => Promise<Uint8Array>;

export interface CandidateScore extends Score {
  recipientId: string;
  name: string;
  /** `falseMatchProbability` times the number of (file, candidate) pairs tried. */
  adjustedProbability: number;
}

export interface FileTrace {
  original: TraceOriginal;
  matchedTensors: number;
  markedTensors: number;
  /** Marks read at the best-ranked candidate's positions (every candidate has about as many). */
  marksRead: number;
  scores: CandidateScore[];
}

export type TraceVerdict =
  | { kind: 'named'; best: CandidateScore; file: FileTrace; files: FileTrace[] }
  | { kind: 'nobody'; reason: string; files: FileTrace[] };

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Tensors of the copy that are the original's by name, shape and dtype, or a dtype that holds the
 * original's values exactly (BF16 saved as F32, say); the rest were removed or changed.
 */
export function matchTensors(suspect: SafetensorsHeader, original: SafetensorsHeader): { original: TensorEntry; suspect: TensorEntry }[] {
  const byName = new Map(suspect.tensors.map((t) => [t.name, t]));
  return original.tensors.flatMap((o) => {
    const s = byName.get(o.name);
    return s && (s.dtype === o.dtype || isLosslessUpcast(o.dtype, s.dtype)) && sameShape(s.shape, o.shape) ? [{ original: o, suspect: s }] : [];
  });
}

/** Blocks read at once from the copy: 1024 blocks of 1024 elements (4 MiB of F32), each scored for every candidate. */
const BLOCKS_PER_READ = 1024;

export async function traceSuspect(secret: Buffer, suspect: SafetensorsHeader, read: SuspectReader, originals: TraceOriginal[]): Promise<TraceVerdict> {
  const compatible = originals
    .map((original) => ({ original, pairs: matchTensors(suspect, original.header) }))
    .filter((o) => o.pairs.length > 0);
  if (compatible.length === 0) return { kind: 'nobody', reason: 'cannot decide: no tensor of this file matches (by name, dtype and shape) any fingerprinted file on record.', files: [] };
  const tries = compatible.reduce((n, o) => n + o.original.candidates.length, 0);

  const files: FileTrace[] = [];
  for (const { original, pairs } of compatible) {
    const marked = pairs.filter((p) => MARKED_DTYPES.has(p.original.dtype) && p.original.elementCount > 0);
    const tally = original.candidates.map(() => ({ votes: emptyVotes(), marks: 0 }));
    for (const pair of marked) {
      const tensors = original.candidates.map((c) => markedTensor(secret, original.fileSha256, c.recipientId, pair.original, original.header.dataStart));
      if (tensors.length === 0) break;
      const elementSize = tensors[0]!.elementSize;
      const blockBytes = BLOCK * elementSize;
      const totalBlocks = Math.ceil(pair.original.elementCount / BLOCK);
      // An upcast copy is read in its own element size and narrowed back to the original dtype.
      const widening = pair.suspect.dtype === pair.original.dtype ? 1 : dtypeBytes(pair.suspect.dtype) / elementSize;
      for (let block = 0; block < totalBlocks; block += BLOCKS_PER_READ) {
        const from = block * blockBytes;
        const length = Math.min(BLOCKS_PER_READ * blockBytes, pair.original.end - pair.original.begin - from);
        const raw = await read(suspect.dataStart + pair.suspect.begin + from * widening, length * widening);
        const bytes = widening === 1 ? raw : narrow(raw, pair.suspect.dtype, pair.original.dtype);
        tensors.forEach((t, i) => (tally[i]!.marks += voteTensor(t, bytes, tally[i]!.votes, block)));
      }
    }
    const scores = original.candidates
      .map((c, i) => {
        const score = scoreCode(tally[i]!.votes, recipientCode(secret, original.fileSha256, c.recipientId));
        return { candidate: { ...c, ...score, adjustedProbability: Math.min(1, score.falseMatchProbability * tries) }, marks: tally[i]!.marks };
      })
      .sort((a, b) => a.candidate.falseMatchProbability - b.candidate.falseMatchProbability || b.candidate.agreeing - a.candidate.agreeing);
    files.push({ original, matchedTensors: pairs.length, markedTensors: marked.length, marksRead: scores[0]?.marks ?? 0, scores: scores.map((s) => s.candidate) });
  }

  const ranked = files.flatMap((file) => file.scores.map((score) => ({ file, score }))).sort((a, b) => a.score.adjustedProbability - b.score.adjustedProbability);
  const top = ranked[0];
  if (top && top.score.adjustedProbability <= FALSE_ACCUSATION_BOUND) return { kind: 'named', best: top.score, file: top.file, files };
  const marks = files.reduce((n, f) => n + f.marksRead, 0);
  // Marks are read at candidates' positions: with no candidate there is nothing to read.
  const reason = !top
    ? 'nobody named: nobody is on record as having received a fingerprinted copy of the matching file.'
    : marks === 0
      ? 'cannot decide: the matching tensors carry no readable marks.'
      : `nobody named: the best match (${top.score.name}, ${top.score.agreeing}/${top.score.decided} bits) could arise by chance with probability ${top.score.adjustedProbability.toExponential(2)}, above the ${FALSE_ACCUSATION_BOUND.toExponential(0)} bound.`;
  return { kind: 'nobody', reason, files };
}
