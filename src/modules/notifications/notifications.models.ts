/** How often a mail is tried before it is given up (marked failed and logged). */
export const MAIL_MAX_ATTEMPTS = 8;

/** The longest wait between two tries, whatever the base delay. */
const MAX_DELAY_MS = 6 * 3_600_000;

/** The wait after the `attempt`-th failed try: the base delay, doubling each time, capped. */
export const mailRetryDelayMs = (attempt: number, baseMs: number) => Math.min(MAX_DELAY_MS, baseMs * 2 ** Math.max(0, attempt - 1));

/**
 * What a sealed body is bound to: opening it for another row, recipient or subject fails, so
 * someone who can write the table cannot redirect a one-time link to their own address.
 */
export const mailSealContext = (mail: { id: string; recipient: string; subject: string }) => `airlock-mail/v1\0${mail.id}\0${mail.recipient}\0${mail.subject}`;
