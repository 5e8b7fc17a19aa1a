import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Logger } from './logger.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * Sends mail through SMTP (`SMTP_URL`), or, without one, writes each message as an .eml file to
 * `<data>/mail-outbox/` so a laptop install loses nothing. Bodies can carry one-time links, so
 * they are never logged, and outbox files are readable by the server's user only.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

/**
 * Bounds on one SMTP exchange. The outbox's claim on a mail (its lease, minutes) must outlast a
 * send, or another instance could take the mail while this one is still sending it.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 };

export function createMailer(options: { smtpUrl?: string; from: string; dataDir: string; logger: Logger }): Mailer {
  const { logger } = options;
  const outbox = path.join(options.dataDir, 'mail-outbox');
  // nodemailer is loaded with the first mail: it costs the server about 10 MB of memory, and many
  // servers send mail rarely.
  let transport: Promise<Transporter> | null = null;
  const transportNow = () =>
    (transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      options.smtpUrl
        ? nodemailer.createTransport({ url: options.smtpUrl, ...SMTP_TIMEOUTS })
        : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })));

  async function send(message: MailMessage) {
    const info = await (await transportNow()).sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text });
    if (options.smtpUrl) {
      logger.info({ to: message.to, subject: message.subject, messageId: info.messageId }, 'mail sent');
      return;
    }
    await fs.mkdir(outbox, { recursive: true, mode: 0o700 });
    const file = path.join(outbox, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`);
    await fs.writeFile(file, (info as { message: Buffer }).message, { mode: 0o600 });
    logger.info({ to: message.to, subject: message.subject, file }, 'mail written to the outbox (no SMTP_URL set)');
  }

  return {
    send,
    async close() {
      if (transport) (await transport).close();
    },
  };
}
