import type { AppDeps } from '../../app/deps.ts';
import type { Db } from '../../db/client.ts';
import { insertNotifications, listNotificationsOfUser, markDelivered, markDeliveryFailed } from './notifications.repository.ts';

/** One message to one recipient, shown in the app (for users) and mailed. */
export interface Notice {
  /** The recipient's account, or null for someone outside the platform (a reference). */
  userId: string | null;
  to: string;
  subject: string;
  body: string;
  /** Where to act on it; kept with the notification and appended to the mail. */
  link?: string;
  /** A link that is itself a credential: appended to the mail only, never stored or logged. */
  secretLink?: string;
}

export interface PendingMail {
  notificationId: string;
  to: string;
  subject: string;
  text: string;
}

const mailText = (notice: Notice) => {
  const link = notice.secretLink ?? notice.link;
  return `${notice.body.trim()}\n${link ? `\n${link}\n` : ''}\n-- \nAirlock\n`;
};

/**
 * Stores the notices in the caller's transaction, so they exist exactly when the change does,
 * and returns the mails to hand to `dispatchMail` once that transaction has committed.
 */
export async function recordNotices(db: Db, notices: Notice[], now: Date): Promise<PendingMail[]> {
  const rows = await insertNotifications(db, notices.map((n) => ({ userId: n.userId, recipient: n.to, subject: n.subject, body: n.body, link: n.link ?? null, createdAt: now })));
  return rows.map((row, i) => ({ notificationId: row.id, to: row.recipient, subject: row.subject, text: mailText(notices[i]!) }));
}

/**
 * Sends after commit, in the background: a slow or failing mail server never holds up or undoes
 * the decision. A failure is logged (recipient and subject, never the body) and kept on the row.
 */
export function dispatchMail(deps: AppDeps, mails: PendingMail[]) {
  for (const mail of mails) {
    const work = deps.mailer.send({ to: mail.to, subject: mail.subject, text: mail.text }).then(
      () => markDelivered(deps.db, mail.notificationId, deps.clock.now()),
      async (error: unknown) => {
        const reason = (error instanceof Error ? error.message : String(error)).slice(0, 500);
        deps.logger.warn({ notificationId: mail.notificationId, to: mail.to, subject: mail.subject, reason }, 'mail delivery failed');
        await markDeliveryFailed(deps.db, mail.notificationId, reason);
      },
    );
    deps.mailer.track(work.catch((error: unknown) => deps.logger.error({ err: error, notificationId: mail.notificationId }, 'could not record the mail delivery')));
  }
}

export const listMyNotifications = (deps: AppDeps, userId: string) => listNotificationsOfUser(deps.db, userId, 100);
