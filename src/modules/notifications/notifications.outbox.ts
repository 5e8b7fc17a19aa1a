import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Mailer } from '../../lib/mailer.ts';
import { unseal, type SealingKey } from '../../lib/sealing.ts';
import { MAIL_MAX_ATTEMPTS, mailRetryDelayMs, mailSealContext } from './notifications.models.ts';
import { claimDueMail, countMailUnderOtherKeys, markDelivered, markDeliveryFailed, settleOutboxMail, type OutboxRow } from './notifications.repository.ts';

export interface MailOutboxOptions {
  /** How often every instance looks for due mail (retries, and mail queued elsewhere). */
  pollMs: number;
  /** First retry delay; each further retry doubles it. */
  retryBaseMs: number;
  /** How long a claim holds; a claim older than this (its instance died) is taken again. Keep it well above a send's longest time. */
  leaseMs: number;
  maxAttempts?: number;
}

export interface OutboxDeps {
  db: Db;
  mailer: Mailer;
  mailKey: SealingKey;
  logger: Logger;
  clock: Clock;
}

export interface MailOutbox {
  /** Sends what is due now, in the background (several wakes in a row make one or two rounds). */
  wake(): void;
  /** Also polls every `pollMs` (servers do; a CLI process only sends what it queued itself). */
  startPolling(): void;
  /** Stops polling and waits for the round in progress, so a stop never cuts a send short. */
  stop(): Promise<void>;
}

const BATCH = 10;

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/** Sends one claimed mail and settles it; the body is never logged. */
async function deliverOne(deps: OutboxDeps, options: MailOutboxOptions, mail: OutboxRow) {
  const log = { mailId: mail.id, notificationId: mail.notificationId, to: mail.recipient, subject: mail.subject, attempt: mail.attempts };
  let text: string;
  try {
    text = unseal(deps.mailKey, mail.sealedBody ?? '', mailSealContext(mail));
  } catch {
    // Altered or unreadable: trying again cannot help, and the mail must not go out changed.
    const reason = 'the sealed mail body could not be opened (altered row or wrong key)';
    await deps.db.transaction(async (tx) => {
      if (await settleOutboxMail(tx, mail, { status: 'failed', sealedBody: null, lastError: reason })) await markDeliveryFailed(tx, mail.notificationId, reason);
    });
    deps.logger.error(log, `mail given up: ${reason}`);
    return;
  }
  try {
    await deps.mailer.send({ to: mail.recipient, subject: mail.subject, text });
  } catch (error) {
    const reason = reasonOf(error);
    const giveUp = mail.attempts >= (options.maxAttempts ?? MAIL_MAX_ATTEMPTS);
    await deps.db.transaction(async (tx) => {
      const held = await settleOutboxMail(tx, mail, giveUp
        ? { status: 'failed', sealedBody: null, lastError: reason }
        : { status: 'pending', lastError: reason, retryInMs: mailRetryDelayMs(mail.attempts, options.retryBaseMs) });
      if (held) await markDeliveryFailed(tx, mail.notificationId, reason);
    });
    if (giveUp) deps.logger.error({ ...log, reason }, 'mail given up after its last attempt');
    else deps.logger.warn({ ...log, reason }, 'mail delivery failed; it will be retried');
    return;
  }
  const sentAt = deps.clock.now();
  const held = await deps.db.transaction(async (tx) => {
    // The body, with any one-time link in it, is erased as soon as the mail server has it.
    if (!(await settleOutboxMail(tx, mail, { status: 'sent', sealedBody: null, sentAt, lastError: null }))) return false;
    await markDelivered(tx, mail.notificationId, sentAt);
    return true;
  });
  if (!held) deps.logger.warn(log, 'mail sent after its claim had lapsed; another instance may have sent it as well (raise the mail lease)');
}

/** Claims up to one batch of due mail and sends it; returns how many it claimed. */
export async function deliverDueMail(deps: OutboxDeps, options: MailOutboxOptions): Promise<number> {
  const claimed = await claimDueMail(deps.db, deps.mailKey.keyId, options.leaseMs, BATCH);
  await Promise.all(claimed.map((mail) => deliverOne(deps, options, mail).catch((error: unknown) => {
    // Its claim stays; the lease runs out and the mail is tried again.
    deps.logger.error({ err: error, mailId: mail.id }, 'could not record a mail delivery');
  })));
  return claimed.length;
}

/**
 * The outbox worker of one process. Every instance runs one; `FOR UPDATE SKIP LOCKED` and the
 * lease make each mail go out from one of them.
 */
export function createMailOutbox(deps: OutboxDeps, options: MailOutboxOptions): MailOutbox {
  let stopped = false;
  let again = false;
  let running: Promise<void> | null = null;
  let poller: NodeJS.Timeout | undefined;
  const round = async () => {
    try {
      // A full batch means more may be due: go on at once.
      while (!stopped && (await deliverDueMail(deps, options)) === BATCH);
    } catch (error) {
      deps.logger.error({ err: error }, 'mail outbox: a round failed; retrying at the next poll');
    }
  };
  const wake = () => {
    if (stopped) return;
    if (running) {
      // Mail queued after this round's claim: one more round picks it up.
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await round();
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
  };
  return {
    wake,
    startPolling() {
      if (poller || stopped) return;
      poller = setInterval(wake, options.pollMs);
      poller.unref();
      wake();
      countMailUnderOtherKeys(deps.db, deps.mailKey.keyId).then((n) => {
        if (n > 0) deps.logger.warn({ waiting: n, keyId: deps.mailKey.keyId }, 'mail is waiting that was sealed under another mail key; give every instance the same keys/mail-key');
      }, () => {});
    },
    async stop() {
      stopped = true;
      clearInterval(poller);
      while (running) await running;
    },
  };
}
