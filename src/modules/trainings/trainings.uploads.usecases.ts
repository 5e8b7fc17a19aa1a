import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { sha256Hex } from '../../lib/crypto.ts';
import { AppError, badRequest, conflict, notFound } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { actorTokenId, type Actor } from '../access/actor.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { listUsersWithPlatformRole } from '../credentials/credentials.repository.ts';
import { dispatchMail, recordNotices } from '../notifications/notifications.usecases.ts';
import { newUploadNotice, uploadDecisionNotice } from './trainings.mail.ts';
import { externalExpiry, looksLikePdf, MAX_CERTIFICATE_BYTES } from './trainings.models.ts';
import { decideUpload, findUploadWithNames, insertCertificate, insertUpload, listPendingUploads } from './trainings.repository.ts';
import { acceptSchema, completedOnSchema, rejectSchema } from './trainings.schemas.ts';
import { loadTraining } from './trainings.usecases.ts';

type UserActor = Actor & { kind: 'user' };

const MB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** What we ask for, in every refusal: PhysioNet's users upload the wrong document all the time. */
export const expectedDocument = (instructions: string | null) =>
  `Upload the completion certificate itself (not the course report or a transcript), as a PDF of at most ${MB(MAX_CERTIFICATE_BYTES)}${instructions ? `: ${instructions}` : '.'}`;

export const tooLarge = () =>
  new AppError('certificate_too_large', 413, `file: the file is larger than ${MB(MAX_CERTIFICATE_BYTES)}. ${expectedDocument(null)}`, { field: 'file' });

export interface UploadInput {
  file: { name: string; bytes: Uint8Array } | null;
  completedOn: unknown;
}

/**
 * Stores an external certificate for staff to check. The file must be a PDF (its first bytes,
 * not its name or declared type), within the size limit, and not already expired by its date.
 */
export async function uploadCertificate(deps: AppDeps, actor: UserActor, slug: string, input: UploadInput, audit: AuditContext = {}) {
  const training = await loadTraining(deps.db, slug);
  if (!training.externalAccepted) {
    throw badRequest('external_not_accepted', `training: "${training.title}" does not accept external certificates. Take its course at ${deps.config.baseUrl}/trainings/${training.slug}.`, 'training');
  }
  const file = input.file;
  if (!file || file.bytes.length === 0) throw badRequest('certificate_missing', `file: attach the certificate in the "file" field (multipart/form-data). ${expectedDocument(training.externalInstructions)}`, 'file');
  if (file.bytes.length > MAX_CERTIFICATE_BYTES) throw tooLarge();
  if (!looksLikePdf(file.bytes)) throw badRequest('certificate_not_pdf', `file: "${file.name}" is not a PDF. ${expectedDocument(training.externalInstructions)}`, 'file');
  const { completedOn } = parseInput(z.object({ completedOn: completedOnSchema }), { completedOn: input.completedOn || undefined });
  const now = deps.clock.now();
  if (completedOn.getTime() > now.getTime()) throw badRequest('invalid_input', 'completedOn: the completion date is in the future. Give the date printed on the certificate.', 'completedOn');
  if (externalExpiry(completedOn, training.validityDays).getTime() <= now.getTime()) {
    throw badRequest('certificate_expired', `completedOn: a certificate from that date has already expired (this training is valid for ${training.validityDays} days). Renew it with the provider and upload the new certificate.`, 'completedOn');
  }
  const content = Buffer.from(file.bytes);
  const fileName = file.name.replace(/[\x00-\x1f\x7f]/g, '').slice(0, 200) || 'certificate.pdf';
  const { upload, mails } = await deps.db.transaction(async (tx) => {
    const upload = await insertUpload(tx, { trainingId: training.id, userId: actor.user.id, fileName, size: content.length, sha256: sha256Hex(content), completedOn, status: 'pending', createdAt: now }, content);
    await recordAuditEvent(tx, { action: 'training.certificate_uploaded', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), ip: audit.ip, details: { slug: training.slug, uploadId: upload.id, size: upload.size, sha256: upload.sha256 } });
    let staff = await listUsersWithPlatformRole(tx, 'credentialing', actor.user.id);
    if (staff.length === 0) staff = await listUsersWithPlatformRole(tx, 'admin', actor.user.id);
    const notices = staff.map((member) => newUploadNotice({ baseUrl: deps.config.baseUrl, staff: member, uploadId: upload.id, uploader: actor.user, training }));
    return { upload, mails: await recordNotices(tx, deps, notices, now) };
  });
  dispatchMail(deps, mails);
  return upload;
}

export const loadCheckQueue = (deps: AppDeps) => listPendingUploads(deps.db);

export async function loadUpload(deps: AppDeps, id: string) {
  const found = /^[0-9a-f-]{36}$/i.test(id) ? await findUploadWithNames(deps.db, id) : undefined;
  if (!found) throw notFound('upload_not_found', 'No such certificate upload.');
  return found;
}

export type Verdict = 'accept' | 'reject';

/**
 * Staff accept (issuing a certificate valid from the completion date printed on it) or reject
 * with a reason the user sees. Only a pending upload can be decided, once.
 */
export async function verifyUpload(deps: AppDeps, actor: UserActor, id: string, verdict: Verdict, input: unknown, audit: AuditContext = {}) {
  const comment = verdict === 'accept' ? parseInput(acceptSchema, input ?? {}).comment : parseInput(rejectSchema, input ?? {}).reason;
  const { upload, training, user } = await loadUpload(deps, id);
  const now = deps.clock.now();
  const expiresAt = externalExpiry(upload.completedOn, training.validityDays);
  if (verdict === 'accept' && expiresAt.getTime() <= now.getTime()) {
    throw conflict('certificate_expired', `This certificate ran out on ${expiresAt.toISOString().slice(0, 10)} (completed ${upload.completedOn.toISOString().slice(0, 10)}, valid ${training.validityDays} days). Reject it, saying a current certificate is needed.`);
  }
  const { saved, mails } = await deps.db.transaction(async (tx) => {
    const saved = await decideUpload(tx, upload.id, { status: verdict === 'accept' ? 'accepted' : 'rejected', reviewedBy: actor.user.id, reviewedAt: now, reviewComment: comment });
    if (!saved) throw conflict('upload_already_decided', `This certificate was already ${upload.status === 'pending' ? 'decided by someone else' : upload.status}. Reload the queue.`);
    const certificate = verdict === 'accept'
      ? await insertCertificate(tx, { trainingId: upload.trainingId, userId: upload.userId, source: 'external', uploadId: upload.id, issuedAt: now, expiresAt })
      : null;
    await recordAuditEvent(tx, {
      action: verdict === 'accept' ? 'training.certificate_accepted' : 'training.certificate_rejected', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), ip: audit.ip,
      details: { uploadId: upload.id, userId: upload.userId, slug: training.slug, certificateId: certificate?.id ?? null, expiresAt: certificate?.expiresAt.toISOString() ?? null },
    });
    const notice = uploadDecisionNotice({ baseUrl: deps.config.baseUrl, user, training, accepted: verdict === 'accept', comment, expiresAt });
    return { saved, mails: await recordNotices(tx, deps, [notice], now) };
  });
  dispatchMail(deps, mails);
  return saved;
}
