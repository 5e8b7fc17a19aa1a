import type { Db } from '../db/client.ts';
import type { BlobStore } from '../modules/blobs/blob-store.ts';
import type { Logger } from '../lib/logger.ts';
import type { Clock } from '../lib/clock.ts';
import type { Mailer } from '../lib/mailer.ts';
import type { SealingKey } from '../lib/sealing.ts';
import type { MailOutbox } from '../modules/notifications/notifications.outbox.ts';
import type { Config } from './config.ts';
import type { SigningKey } from './keys.ts';

/** What every route and use case may need; built once at start-up and passed down explicitly. */
export interface AppDeps {
  db: Db;
  blobs: BlobStore;
  config: Config;
  logger: Logger;
  clock: Clock;
  /** The server's ed25519 key: signs audit checkpoints and release manifests. */
  signingKey: SigningKey;
  /** Outgoing mail. Only the outbox worker sends; use cases queue mail with `recordNotices`. */
  mailer: Mailer;
  /** Seals queued mail bodies at rest (`<data>/keys/mail-key`). */
  mailKey: SealingKey;
  /** This process's outbox worker: `dispatchMail` wakes it after a commit. */
  mailOutbox: MailOutbox;
}
