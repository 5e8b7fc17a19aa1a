import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs. Authorization headers, cookies and token-bearing fields are redacted
 * so no secret ever reaches a log line.
 *
 * Lines go to stdout asynchronously: a synchronous write blocks the event loop for every request
 * line, which showed in the tail latency of HEAD under load (bench/NOTES.md). Lines written while
 * a write is in flight go out together with the next one; pino flushes what is left when the
 * process exits. No minimum buffer length is set, so an idle server's lines are not held back.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'token', 'password', '*.token', '*.password'],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: 1, sync: false }),
  );
}
