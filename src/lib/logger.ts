import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs. Authorization headers, cookies and token-bearing fields are redacted
 * so no secret ever reaches a log line.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'token', 'password', '*.token', '*.password'],
      censor: '[redacted]',
    },
  });
}
