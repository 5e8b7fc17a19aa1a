import { flushDownloadRecords } from '../modules/audit/audit.download-batch.ts';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { openDatabase, type Database } from '../db/client.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { createLogger } from '../lib/logger.ts';
import { createMailer } from '../lib/mailer.ts';
import { loadOrCreateSealingKey } from '../lib/sealing.ts';
import { createMailOutbox } from '../modules/notifications/notifications.outbox.ts';
import { startAuditChainer } from '../modules/audit/audit.usecases.ts';
import { startExpirySweeper } from '../modules/trainings/trainings.expiry.usecases.ts';
import { sweepGrantExpiryWarnings } from '../modules/applications/grants.usecases.ts';
import { startWebhookWorker } from '../modules/webhooks/webhooks.delivery.ts';
import { ensureShippedTrainings } from '../modules/trainings/trainings.usecases.ts';
import { openBlobStore } from '../modules/blobs/blob-store.ts';
import { createApp } from './app.ts';
import { loadConfig, type Config } from './config.ts';
import type { AppDeps } from './deps.ts';
import { followSigningKey, loadOrCreateSigningKey, type SigningKey } from './keys.ts';
import { acquireLock } from './instance-lock.ts';
import { listenAdminSocket, type AdminRunner } from './admin-socket.ts';

export interface Runtime {
  deps: AppDeps;
  database: Database;
  signingKey: SigningKey;
  close(): Promise<void>;
}

/** Opens everything the platform needs (data directory, database with migrations, blob store, key). */
export async function openRuntime(config: Config, clock: Clock = systemClock): Promise<Runtime> {
  await fs.mkdir(config.dataDir, { recursive: true });
  const releaseLock = config.databaseUrl ? async () => {} : await acquireLock(config.dataDir);
  const logger = createLogger(config.logLevel);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const blobs = await openBlobStore(config.storage, config.dataDir, config.s3);
  const signingKey = await loadOrCreateSigningKey(config.dataDir);
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, logger });
  // Every instance (and the CLI) must hold the same key to send what another queued: it lives
  // beside the signing key, in the data directory they share.
  const mailKey = await loadOrCreateSealingKey(path.join(config.dataDir, 'keys', 'mail-key'));
  const mailOutbox = createMailOutbox({ db: database.db, mailer, mailKey, logger, clock }, { pollMs: config.mailPollMs, retryBaseMs: config.mailRetryBaseMs, leaseMs: config.mailLeaseMs });
  const deps: AppDeps = { db: database.db, blobs, config, logger, clock, signingKey, mailer, mailKey, mailOutbox };
  // The shipped course exists on every install; inserted only when absent, so admins' edits stay.
  await ensureShippedTrainings(database.db, clock.now());
  return {
    deps,
    database,
    signingKey,
    close: async () => {
      // Deliveries in flight record their outcome in the database: let them finish first.
      await mailOutbox.stop();
      await mailer.close();
      await database.close();
      await releaseLock();
    },
  };
}

export interface RunningServer {
  runtime: Runtime;
  /** Links pending audit events into the hash chain now. */
  flushAudit(): Promise<void>;
  server: ServerType;
  url: string;
  close(): Promise<void>;
}

/** Starts the HTTP server. With port 0 it picks a free port and reports it in `url`. */
export async function startServer(configOverrides: Partial<Config> = {}, options: { env?: NodeJS.ProcessEnv; adminRunner?: AdminRunner; clock?: Clock; auditIntervalMs?: number } = {}): Promise<RunningServer> {
  let config = { ...loadConfig(options.env ?? process.env), ...configOverrides } as Config;
  const runtime = await openRuntime(config, options.clock);
  const app = createApp(runtime.deps);
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  if (!config.publicUrl && port !== config.port) {
    // Port 0: the real address is known only now; links and Link headers must use it.
    config = { ...config, port, baseUrl: url };
    Object.assign(runtime.deps.config, config);
  }
  const chainer = startAuditChainer({ db: runtime.deps.db, key: runtime.signingKey, clock: runtime.deps.clock, logger: runtime.deps.logger, intervalMs: options.auditIntervalMs });
  // Only the embedded database needs commands run inside the server (PGlite is single-process); on
  // PostgreSQL the CLI opens the database itself, and several instances may share one data directory.
  const closeAdminSocket = options.adminRunner && !config.databaseUrl ? await listenAdminSocket(runtime.deps, options.adminRunner) : async () => {};
  // A key rotated by another process (`airlock admin rotate-key` on PostgreSQL) is picked up from its file.
  const stopFollowingKey = followSigningKey(config.dataDir, runtime.signingKey, (keyId) => runtime.deps.logger.info({ keyId }, 'signing key rotated; signing with the new key'));
  const stopExpirySweeper = startExpirySweeper(runtime.deps, { firstMs: config.sweepDelayMs });
  const stopGrantSweeper = startExpirySweeper(runtime.deps, { sweep: sweepGrantExpiryWarnings, name: 'grant expiry', firstMs: config.sweepDelayMs });
  runtime.deps.mailOutbox.startPolling();
  const stopWebhooks = startWebhookWorker(runtime.deps, { timeoutMs: config.webhookTimeoutMs, retryBaseMs: config.webhookRetryBaseMs, pollMs: config.webhookPollMs });
  return {
    runtime,
    server,
    url,
    flushAudit: async () => {
      await flushDownloadRecords(runtime.deps.db);
      await chainer.flush();
    },
    close: async () => {
      await closeAdminSocket();
      stopFollowingKey();
      await stopExpirySweeper();
      await stopGrantSweeper();
      await stopWebhooks();
      await chainer.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      // Link what the last requests logged, so a clean stop leaves nothing unchained.
      await flushDownloadRecords(runtime.deps.db);
      await chainer.flush();
      await runtime.close();
    },
  };
}
