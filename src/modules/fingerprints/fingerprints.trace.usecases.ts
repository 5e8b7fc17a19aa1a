import fs from 'node:fs/promises';
import type { AppDeps } from '../../app/deps.ts';
import { findRepository } from '../repos/repos.repository.ts';
import { SCHEME } from './fingerprints.models.ts';
import { listRecipients, findPublication } from './fingerprints.repository.ts';
import { loadFingerprintSecret } from './fingerprints.secret.ts';
import { traceSuspect, type TraceOriginal, type TraceVerdict } from './fingerprints.trace.ts';
import { readBlobHeader } from './fingerprints.usecases.ts';
import { parseSafetensorsHeader, readHeaderLength, SafetensorsError, type SafetensorsHeader } from './safetensors.ts';

export type TraceResult = TraceVerdict | { kind: 'undecidable'; reason: string };

/**
 * Traces a suspected copy on this machine's disk. The originals considered are every fingerprinted
 * file someone received (optionally only those of one repository); the candidates for each are
 * the recipients whose copy was ever computed under the current scheme, which happens before any
 * byte of it is served (copies of an older scheme carry marks this reader does not look for).
 */
export async function traceFile(deps: AppDeps, file: string, options: { repo?: string } = {}): Promise<TraceResult> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const read = async (at: number, length: number) => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - at)));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
      return buffer.subarray(0, bytesRead);
    };
    let suspect: SafetensorsHeader;
    try {
      const length = readHeaderLength(await read(0, 8));
      suspect = parseSafetensorsHeader(await read(0, 8 + length), size);
    } catch (error) {
      if (error instanceof SafetensorsError) return { kind: 'undecidable', reason: `cannot decide: ${file} is not a valid safetensors file (${error.message})` };
      throw error;
    }
    const originals = await loadOriginals(deps, options.repo);
    if (originals === null) return { kind: 'undecidable', reason: `cannot decide: no repository ${options.repo} on this server.` };
    return await traceSuspect(await loadFingerprintSecret(deps.config.dataDir), suspect, read, originals);
  } finally {
    await handle.close();
  }
}

async function loadOriginals(deps: AppDeps, repoId?: string): Promise<TraceOriginal[] | null> {
  let repoFilter: string | undefined;
  if (repoId) {
    const [namespace = '', name = ''] = repoId.split('/');
    const repo = (await findRepository(deps.db, 'model', namespace, name)) ?? (await findRepository(deps.db, 'dataset', namespace, name));
    if (!repo) return null;
    repoFilter = repo.id;
  }
  const byBlob = new Map<string, { recipientId: string; name: string }[]>();
  for (const row of await listRecipients(deps.db, SCHEME, repoFilter)) {
    const list = byBlob.get(row.blobSha256) ?? [];
    list.push({ recipientId: row.userId, name: row.username });
    byBlob.set(row.blobSha256, list);
  }
  const originals: TraceOriginal[] = [];
  for (const [blobSha256, candidates] of byBlob) {
    const where = await findPublication(deps.db, blobSha256);
    if (!where) continue;
    try {
      const header = await readBlobHeader(deps.blobs, blobSha256, where.size);
      originals.push({ fileSha256: blobSha256, header, label: `${where.repo}:${where.path}`, candidates });
    } catch (error) {
      if (!(error instanceof SafetensorsError)) throw error;
    }
  }
  return originals;
}
