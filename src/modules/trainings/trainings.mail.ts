import type { Notice } from '../notifications/notifications.usecases.ts';

/** The messages of trainings. Plain text, with the link to act on. */

const day = (date: Date) => date.toISOString().slice(0, 10);

type Recipient = { id: string; email: string };

export function expiryWarningNotice(options: { baseUrl: string; user: Recipient; training: { slug: string; title: string; hasCourse: boolean }; expiresAt: Date }): Notice {
  const renew = options.training.hasCourse
    ? `Take the course again (it takes a few minutes) at ${options.baseUrl}/trainings/${options.training.slug}, or upload a newer external certificate.`
    : `Upload a newer certificate at ${options.baseUrl}/settings/trainings.`;
  return {
    userId: options.user.id,
    to: options.user.email,
    subject: `Your training "${options.training.title}" expires on ${day(options.expiresAt)}`,
    body: [
      `Your certificate for "${options.training.title}" is valid until ${day(options.expiresAt)}.`,
      'After that, downloads from repositories that require this training stop until you renew it.',
      '',
      renew,
    ].join('\n'),
    link: `${options.baseUrl}/trainings/${options.training.slug}`,
  };
}

export function uploadDecisionNotice(options: { baseUrl: string; user: Recipient; training: { title: string }; accepted: boolean; comment: string | null; expiresAt?: Date }): Notice {
  const body = options.accepted
    ? `Credentialing staff accepted your certificate for "${options.training.title}". It counts until ${day(options.expiresAt!)}.${options.comment ? `\n\nTheir note: ${options.comment}` : ''}`
    : `Credentialing staff could not accept the certificate you uploaded for "${options.training.title}".\n\nReason: ${options.comment}\n\nYou can upload the right document at any time.`;
  return {
    userId: options.user.id,
    to: options.user.email,
    subject: `Certificate ${options.accepted ? 'accepted' : 'not accepted'}: ${options.training.title}`,
    body,
    link: `${options.baseUrl}/settings/trainings`,
  };
}

export function newUploadNotice(options: { baseUrl: string; staff: Recipient; uploadId: string; uploader: { username: string }; training: { title: string } }): Notice {
  return {
    userId: options.staff.id,
    to: options.staff.email,
    subject: `Certificate to check: ${options.training.title} (@${options.uploader.username})`,
    body: `@${options.uploader.username} uploaded an external certificate for "${options.training.title}". It is in the certificate-check queue.`,
    link: `${options.baseUrl}/staff/certificates/${options.uploadId}`,
  };
}
