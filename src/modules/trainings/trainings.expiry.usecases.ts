import type { AppDeps } from '../../app/deps.ts';
import { dispatchMail, recordNotices, type PendingMail } from '../notifications/notifications.usecases.ts';
import { expiryWarningNotice } from './trainings.mail.ts';
import { addDays, EXPIRY_WARNING_DAYS } from './trainings.models.ts';
import { listCertificatesToWarn, markWarned } from './trainings.repository.ts';

/**
 * Warns every holder whose certificate ends within `EXPIRY_WARNING_DAYS` (in the app and by mail),
 * once per certificate: the row is marked in the transaction that records the notice, and only
 * the sweep that marks it sends. Safe to run from several places at once.
 */
export async function sweepExpiryWarnings(deps: AppDeps): Promise<number> {
  const now = deps.clock.now();
  const due = await listCertificatesToWarn(deps.db, now, addDays(now, EXPIRY_WARNING_DAYS));
  const mails: PendingMail[] = [];
  for (const row of due) {
    const sent = await deps.db.transaction(async (tx) => {
      if (!(await markWarned(tx, row.certificate.id, now))) return [];
      return recordNotices(tx, deps, [expiryWarningNotice({ baseUrl: deps.config.baseUrl, user: row.user, training: row.training, expiresAt: row.certificate.expiresAt })], now);
    });
    mails.push(...sent);
  }
  dispatchMail(deps, mails);
  return mails.length;
}

/**
 * Runs the sweep in the server: first a minute after start, then hourly. A warning is due days
 * ahead, so an hour's delay does not matter; `airlock admin sweep` runs it at once.
 */
export function startExpirySweeper(deps: AppDeps, options: { firstMs?: number; intervalMs?: number; sweep?: (deps: AppDeps) => Promise<unknown>; name?: string } = {}) {
  let running: Promise<unknown> = Promise.resolve();
  // Other expiries (grants) reuse this runner with their own sweep.
  const sweep = options.sweep ?? sweepExpiryWarnings;
  const run = () => {
    running = sweep(deps).catch((error: unknown) => deps.logger.error({ err: error }, `${options.name ?? 'training expiry'} sweep failed`));
  };
  const first = setTimeout(run, options.firstMs ?? 60_000);
  const every = setInterval(run, options.intervalMs ?? 3_600_000);
  first.unref();
  every.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(every);
    await running;
  };
}
