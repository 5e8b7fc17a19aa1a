import type { Notice } from '../notifications/notifications.usecases.ts';

/** Messages about grants: the warning before one ends, and a revocation. Plain text. */

const day = (date: Date) => date.toISOString().slice(0, 10);
type Recipient = { id: string; email: string };

export function grantExpiryNotice(options: { baseUrl: string; user: Recipient; repoId: string; repoPath: string; endsAt: Date }): Notice {
  return {
    userId: options.user.id,
    to: options.user.email,
    subject: `Your access to ${options.repoId} ends on ${day(options.endsAt)}`,
    body: [
      `Your grant to download ${options.repoId} ends on ${day(options.endsAt)}.`,
      'After that, downloads stop until a renewal is granted. Renewing takes a short form: say what you still need the access for.',
      '',
      `Renew from "My access": ${options.baseUrl}/settings/access`,
    ].join('\n'),
    link: `${options.baseUrl}${options.repoPath}/apply?renew=1`,
  };
}

export function grantRevokedNotice(options: { baseUrl: string; user: Recipient; repoId: string; repoPath: string; reason: string | null; barred: boolean }): Notice {
  return {
    userId: options.user.id,
    to: options.user.email,
    subject: `Your access to ${options.repoId} was revoked`,
    body: [
      `The publisher of ${options.repoId} revoked your access. Downloads stop at once.`,
      '',
      `Reason: ${options.reason ?? 'not given'}`,
      '',
      options.barred ? 'You may not apply for access to this repository again.' : 'You may apply again once the reason no longer holds.',
    ].join('\n'),
    link: `${options.baseUrl}/settings/access`,
  };
}
