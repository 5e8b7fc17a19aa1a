import { createHash } from 'node:crypto';
import type { AppDeps } from '../../app/deps.ts';
import { AppError } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { EpochCache } from '../access/access-epoch.ts';
import { authorize, type RepoFacts } from '../access/access.policies.ts';
import { type Actor, actorTokenId, actorUserId } from '../access/actor.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import type { BlobStore } from '../blobs/blob-store.ts';
import type { PersonalCopies } from '../manifests/manifests.usecases.ts';
import type { RepositoryRow, RevisionFileRow } from '../repos/repos.repository.ts';
import { planCopy, SCHEME, type CopyPlan } from './fingerprints.models.ts';
import { findCopy, insertCopy, isFingerprintingEnabled, saveCopyMd5, saveFingerprinting } from './fingerprints.repository.ts';
import { fingerprintSettingSchema } from './fingerprints.schemas.ts';
import { loadFingerprintSecret } from './fingerprints.secret.ts';
import { fingerprintRange } from './fingerprints.stream.ts';
import { parseSafetensorsHeader, readHeaderLength, SafetensorsError, type SafetensorsHeader } from './safetensors.ts';

export const isFingerprintable = (path: string) => path.toLowerCase().endsWith('.safetensors');

export async function readFingerprinting(deps: AppDeps, repo: RepositoryRow) {
  return { enabled: await isFingerprintingEnabled(deps.db, repo.id) };
}

/** Turns fingerprinting on or off (the caller has checked `repo.write`); audited with the change. */
export async function setFingerprinting(deps: AppDeps, actor: Actor, repo: RepositoryRow, input: unknown, audit: AuditContext = {}) {
  const { enabled } = parseInput(fingerprintSettingSchema, input);
  const userId = actorUserId(actor)!;
  await deps.db.transaction(async (tx) => {
    const before = await isFingerprintingEnabled(tx, repo.id);
    await saveFingerprinting(tx, { repoId: repo.id, enabled, updatedBy: userId, updatedAt: deps.clock.now() });
    await recordAuditEvent(tx, { action: 'repo.fingerprinting_changed', actorUserId: userId, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { before, after: enabled } });
  });
  return { enabled };
}

async function readRange(blobs: BlobStore, sha256: string, start: number, end: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of blobs.read(sha256, { start, end })) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/**
 * Real headers are well under 1 MiB even with thousands of tensors; a bigger one (the format allows
 * 100 MB) would be held in memory per file, so it is not fingerprinted (served as uploaded).
 */
const MAX_FINGERPRINTED_HEADER = 16 * 1024 * 1024;

/** Reads and checks the header of a stored blob; throws `SafetensorsError` on a bad file. */
export async function readBlobHeader(blobs: BlobStore, sha256: string, size: number): Promise<SafetensorsHeader> {
  if (size < 8) throw new SafetensorsError('too_short', 'The file is shorter than a safetensors header.');
  const first8 = await readRange(blobs, sha256, 0, 7);
  const length = readHeaderLength(first8);
  if (length > MAX_FINGERPRINTED_HEADER) throw new SafetensorsError('header_too_large', `The safetensors header has ${length} bytes; at most ${MAX_FINGERPRINTED_HEADER} are fingerprinted.`);
  if (8 + length > size) throw new SafetensorsError('too_short', 'The file ends inside its safetensors header.');
  return parseSafetensorsHeader(Buffer.concat([first8, await readRange(blobs, sha256, 8, 7 + length)]), size);
}

/**
 * Parsed headers of recently served files, so a download reads the header once, not per request.
 * Blobs are content-addressed and never change, so entries live at epoch 0 and never expire;
 * `EpochCache` only bounds them (and marks a hit rather than moving it: bench/NOTES.md, entry 20).
 */
const headers = new EpochCache<Promise<SafetensorsHeader | null>>(64);

function headerOf(deps: AppDeps, file: RevisionFileRow): Promise<SafetensorsHeader | null> {
  const key = `${deps.config.dataDir}\0${file.blobSha256}`;
  const known = headers.get(key, 0, 0);
  if (known) return known;
  const header = (async () => {
    try {
      return await readBlobHeader(deps.blobs, file.blobSha256, file.size);
    } catch (error) {
      if (!(error instanceof SafetensorsError)) throw error;
      // Not a valid safetensors file: it is served as uploaded, never half-marked.
      deps.logger.warn({ blob: file.blobSha256, path: file.path, reason: error.message }, 'not fingerprinting an invalid safetensors file');
      return null;
    }
  })();
  header.catch(() => headers.forget(key));
  headers.set(key, 0, header);
  return header;
}

/**
 * Plans of recently served copies. Positions depend on the recipient, so a plan is per (file,
 * recipient): one HMAC per tensor and the marks of the small tensors, built once and then reused by
 * every request (Range ones included) of that copy. A plan is a few hundred bytes per tensor; the
 * bound keeps many concurrent recipients of a model with thousands of tensors to some tens of MB.
 */
const copyPlans = new EpochCache<CopyPlan>(256);

async function copyPlanOf(deps: AppDeps, file: RevisionFileRow, recipientId: string): Promise<CopyPlan | null> {
  const key = `${deps.config.dataDir}\0${file.blobSha256}\0${recipientId}`;
  const known = copyPlans.get(key, 0, 0);
  if (known) return known;
  const header = await headerOf(deps, file);
  if (!header) return null;
  const secret = await loadFingerprintSecret(deps.config.dataDir);
  const plan = planCopy(secret, file.blobSha256, header, recipientId);
  copyPlans.set(key, 0, plan);
  return plan;
}

/**
 * The flag per repository, cached for the access epoch the download was decided at: a change of
 * the setting raises the epoch (by trigger), so no instance serves by a stale flag.
 */
const flags = new EpochCache<boolean>(10_000);

async function fingerprintingEnabled(deps: AppDeps, repoId: string, epoch?: number): Promise<boolean> {
  if (epoch === undefined) return isFingerprintingEnabled(deps.db, repoId);
  return flags.through(`${deps.config.dataDir}\0${repoId}`, epoch, deps.clock.now().getTime(), async () => ({ value: await isFingerprintingEnabled(deps.db, repoId) }));
}

export interface RecipientCopy {
  plan: CopyPlan;
  sha256: string;
}

/**
 * What `actor` receives of `file`: their fingerprinted copy, or null for the original (fingerprinting
 * off, not a `.safetensors` file, an invalid one, or a member of the owning namespace). The copy's
 * hashes are computed once per (file, recipient), on their first request, and kept.
 */
export async function recipientCopyFor(deps: AppDeps, actor: Actor, repo: RepositoryRow, facts: RepoFacts, file: RevisionFileRow, epoch?: number): Promise<RecipientCopy | null> {
  if (!isFingerprintable(file.path) || facts.role !== null) return null;
  if (!(await fingerprintingEnabled(deps, repo.id, epoch))) return null;
  if (actor.kind !== 'user') {
    throw new AppError('sign_in_required', 401, `${repo.namespace}/${repo.name} gives every recipient their own fingerprinted copy of its weights. Sign in or pass a token to download ${file.path}.`, { hubCode: 'GatedRepo' });
  }
  const plan = await copyPlanOf(deps, file, actor.user.id);
  if (!plan) return null;
  return { plan, sha256: await copySha256(deps, file, plan) };
}

const computing = new Map<string, Promise<string>>();

/**
 * The sha256 of a recipient's copy under the current scheme: from the table, or by streaming the
 * whole copy once (about 2 s per GiB; one computation per copy at a time, and it finishes even if
 * the client gives up). A row of another scheme describes other bytes and is never served.
 */
async function copySha256(deps: AppDeps, file: RevisionFileRow, plan: CopyPlan): Promise<string> {
  const userId = plan.recipientId;
  const known = await findCopy(deps.db, file.blobSha256, userId, SCHEME);
  if (known) return known.sha256;
  const key = `${deps.config.dataDir}\0${file.blobSha256}\0${userId}`;
  let pending = computing.get(key);
  if (!pending) {
    pending = (async () => {
      const sha256 = await hashCopy(deps, file, plan, 'sha256');
      const row = await insertCopy(deps.db, { blobSha256: file.blobSha256, userId, scheme: SCHEME, sha256, md5: null, size: file.size, createdAt: deps.clock.now() });
      return row.sha256;
    })().finally(() => computing.delete(key));
    computing.set(key, pending);
  }
  return pending;
}

async function hashCopy(deps: AppDeps, file: RevisionFileRow, plan: CopyPlan, algorithm: 'sha256' | 'md5'): Promise<string> {
  const hash = createHash(algorithm);
  const last = file.size - 1;
  for await (const chunk of fingerprintRange(deps.blobs.read(file.blobSha256), plan, 0, last, last)) hash.update(chunk);
  return hash.digest('hex');
}

/** The md5 of a recipient's copy, for their manifest: computed on first need and kept. */
async function copyMd5(deps: AppDeps, file: RevisionFileRow, copy: RecipientCopy): Promise<string> {
  const userId = copy.plan.recipientId;
  const row = await findCopy(deps.db, file.blobSha256, userId, SCHEME);
  if (row?.md5) return row.md5;
  const md5 = await hashCopy(deps, file, copy.plan, 'md5');
  await saveCopyMd5(deps.db, file.blobSha256, userId, SCHEME, md5);
  return md5;
}

/**
 * For the manifest route: when `actor` would receive fingerprinted copies of this repository's
 * files (and may download them), the hashes of their copies; otherwise undefined (the originals').
 */
export async function personalCopiesFor(deps: AppDeps, actor: Actor, repo: RepositoryRow, facts: RepoFacts): Promise<PersonalCopies | undefined> {
  if (actor.kind !== 'user' || facts.role !== null) return undefined;
  if (!authorize(actor, { type: 'repo.download', facts }).allowed) return undefined;
  if (!(await isFingerprintingEnabled(deps.db, repo.id))) return undefined;
  return {
    recipient: actor.user.username,
    hashesOf: async (file) => {
      const copy = await recipientCopyFor(deps, actor, repo, facts, file);
      return copy && { sha256: copy.sha256, md5: await copyMd5(deps, file, copy) };
    },
  };
}
