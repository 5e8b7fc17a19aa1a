import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../app/deps.ts';
import type { Db } from '../../db/client.ts';
import { seal } from '../../lib/sealing.ts';
import { mailSealContext } from './notifications.models.ts';
import { insertNotifications, insertOutboxMail, listNotificationsOfUser } from './notifications.repository.ts';

/** One message to one recipient, shown in the app (for users) and mailed. */
export interface Notice {
  /** The recipient's account, or null for someone outside the platform (a reference). */
  userId: string | null;
  to: string;
  subject: string;
  body: string;
  /** Where to act on it; kept with the notification and appended to the mail. */
  link?: string;
  /** A link that is itself a credential: appended to the mail only (sealed in the outbox until sent), never logged. */
  secretLink?: string;
}

/** A mail queued in the outbox by `recordNotices`; hand the list to `dispatchMail` after commit. */
export interface PendingMail {
  notificationId: string;
  to: string;
  subject: string;
}

const mailText = (notice: Notice) => {
  const link = notice.secretLink ?? notice.link;
  return `${notice.body.trim()}\n${link ? `\n${link}\n` : ''}\n-- \nAirlock\n`;
};

/**
 * Stores the notices and queues their mails in the caller's transaction, so both exist exactly
 * when the change does: a crash after commit delays a mail, it never loses it. The mail text is
 * sealed (it may carry a one-time link); only an outbox worker holding the key opens it.
 */
export async function recordNotices(tx: Db, deps: Pick<AppDeps, 'mailKey'>, notices: Notice[], now: Date): Promise<PendingMail[]> {
  const rows = await insertNotifications(tx, notices.map((n) => ({ userId: n.userId, recipient: n.to, subject: n.subject, body: n.body, link: n.link ?? null, createdAt: now })));
  await insertOutboxMail(tx, rows.map((row, i) => {
    const mail = { id: randomUUID(), recipient: row.recipient, subject: row.subject };
    return { ...mail, notificationId: row.id, sealedBody: seal(deps.mailKey, mailText(notices[i]!), mailSealContext(mail)), keyId: deps.mailKey.keyId, createdAt: now };
  }));
  return rows.map((row) => ({ notificationId: row.id, to: row.recipient, subject: row.subject }));
}

/**
 * Call after the transaction that queued `mails` has committed: wakes this instance's outbox
 * worker so they go out now rather than at its next poll. Sending never holds up or undoes the
 * decision; any instance's worker may be the one that sends.
 */
export function dispatchMail(deps: Pick<AppDeps, 'mailOutbox'>, mails: PendingMail[]) {
  if (mails.length > 0) deps.mailOutbox.wake();
}

export const listMyNotifications = (deps: AppDeps, userId: string) => listNotificationsOfUser(deps.db, userId, 100);
