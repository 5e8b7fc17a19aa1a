import type { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import type { Db } from '../../db/client.ts';
import { AppError, conflict, notFound } from '../../lib/errors.ts';
import { sha256Hex } from '../../lib/crypto.ts';
import { parseInput } from '../../lib/validation.ts';
import { type Actor, actorTokenId, actorUserId, type ActorUser } from '../access/actor.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { typedNameMatches } from './agreements.models.ts';
import {
  findAgreementById, findAgreementOfRepository, findCurrentVersion, findSignature, insertAgreement, insertSignature,
  insertVersion, listSignaturesOfUser, updateAgreementTitle, type AgreementRow, type AgreementVersionRow,
} from './agreements.repository.ts';
import { agreementTextSchema, signSchema } from './agreements.schemas.ts';

/**
 * Publishes the repository's agreement text. A changed text becomes a new version, which every
 * holder must sign again before downloading; an unchanged text only updates the title.
 */
export async function publishRepositoryAgreement(deps: AppDeps, actor: Actor, repo: RepositoryRow, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(agreementTextSchema, input);
  const now = deps.clock.now();
  const userId = actorUserId(actor)!;
  return deps.db.transaction(async (tx) => {
    let agreement = await findAgreementOfRepository(tx, repo.id);
    if (!agreement) agreement = await insertAgreement(tx, { scope: 'repository', repoId: repo.id, title: data.title, createdBy: userId, createdAt: now });
    else if (agreement.title !== data.title) await updateAgreementTitle(tx, agreement.id, data.title);
    const current = await findCurrentVersion(tx, agreement.id);
    const textSha256 = sha256Hex(data.text);
    if (current?.textSha256 === textSha256) return { agreement: { ...agreement, title: data.title }, version: current, changed: false };
    const version = await insertVersion(tx, { agreementId: agreement.id, version: (current?.version ?? 0) + 1, text: data.text, textSha256, createdBy: userId, createdAt: now });
    await recordAuditEvent(tx, { action: 'agreement.version_published', actorUserId: userId, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { agreementId: agreement.id, version: version.version, textSha256 } });
    return { agreement: { ...agreement, title: data.title }, version, changed: true };
  });
}

/** The repository's agreement and its current version, or null when it has none. */
export async function findRepositoryAgreement(deps: AppDeps, repo: RepositoryRow) {
  const agreement = await findAgreementOfRepository(deps.db, repo.id);
  const version = agreement ? await findCurrentVersion(deps.db, agreement.id) : undefined;
  return agreement && version ? { agreement, version } : null;
}

export async function loadRepositoryAgreement(deps: AppDeps, repo: RepositoryRow) {
  const found = await findRepositoryAgreement(deps, repo);
  if (found) return found;
  throw notFound('agreement_not_found', `${repo.namespace}/${repo.name} has no agreement to sign.`);
}

/** The repository's current agreement and the user's signature of that version (for the agreement page). */
export async function readRepositoryAgreementFor(deps: AppDeps, repo: RepositoryRow, userId: string | null) {
  const { agreement, version } = await loadRepositoryAgreement(deps, repo);
  const signature = userId ? await findSignature(deps.db, userId, agreement.id, version.version) : undefined;
  return { agreement, version, signature: signature ?? null };
}

/**
 * Records a signature of the current version: the typed full name, the sha256 of the exact text,
 * time and address. Signing the same version twice returns the first signature.
 */
export async function signAgreement(deps: AppDeps, user: ActorUser, agreementId: string, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(signSchema, input);
  const agreement = /^[0-9a-f-]{36}$/.test(agreementId) ? await findAgreementById(deps.db, agreementId) : undefined;
  const current = agreement ? await findCurrentVersion(deps.db, agreement.id) : undefined;
  if (!agreement || !current) throw notFound('agreement_not_found', 'No such agreement.');
  checkSignature(user, current, data);
  return deps.db.transaction((tx) => recordSignature(tx, user, agreement, current, data, audit, deps.clock.now()));
}

export type SignInput = z.output<typeof signSchema>;

/**
 * Whether `data` is a valid signature of `current` by `user`. Errors name their field under
 * `prefix` (such as `agreement.` when the signature is part of an access application).
 */
export function checkSignature(user: ActorUser, current: AgreementVersionRow, data: SignInput, prefix = '') {
  if (data.version !== current.version) {
    throw conflict('agreement_version_outdated', `Version ${data.version} is not the current text: version ${current.version} is. Read it and sign that version.`, `${prefix}version`);
  }
  if (data.textSha256 && data.textSha256 !== current.textSha256) {
    throw conflict('agreement_text_mismatch', 'The text you were shown differs from the stored version. Reload it and sign again.', `${prefix}textSha256`);
  }
  if (!typedNameMatches(data.signedName, user.displayName)) {
    throw new AppError('signed_name_mismatch', 400, `Type your full name exactly as in your profile ("${user.displayName}") to sign.`, { field: `${prefix}signedName` });
  }
}

/** Stores a checked signature in the caller's transaction (with its audit event); idempotent per version. */
export async function recordSignature(tx: Db, user: ActorUser, agreement: AgreementRow, current: AgreementVersionRow, data: SignInput, audit: AuditContext, now: Date) {
  const existing = await findSignature(tx, user.id, agreement.id, current.version);
  if (existing) return { signature: existing, created: false };
  const signature = await insertSignature(tx, { userId: user.id, agreementId: agreement.id, version: current.version, textSha256: current.textSha256, signedName: data.signedName, ip: audit.ip ?? null, userAgent: audit.userAgent ?? null, signedAt: now });
  // A concurrent identical signature won the insert: return it.
  if (!signature) return { signature: (await findSignature(tx, user.id, agreement.id, current.version))!, created: false };
  await recordAuditEvent(tx, { action: 'agreement.signed', actorUserId: user.id, repoId: agreement.repoId, ip: audit.ip, details: { agreementId: agreement.id, version: current.version, textSha256: current.textSha256 } });
  return { signature, created: true };
}

/** Whether the user has signed the agreement's current version (the gate asks this at every download). */
export async function hasSignedCurrentVersion(deps: AppDeps, userId: string, agreementId: string) {
  const current = await findCurrentVersion(deps.db, agreementId);
  return current ? Boolean(await findSignature(deps.db, userId, agreementId, current.version)) : true;
}

export const listMySignatures = (deps: AppDeps, userId: string) => listSignaturesOfUser(deps.db, userId);
