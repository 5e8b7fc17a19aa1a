import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AppDeps } from '../../app/deps.ts';
import { enqueueEvent } from './webhooks.enqueue.ts';
import { isPrivateAddress, MAX_ATTEMPTS, retryDelayMs, signPayload, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhooks.models.ts';
import { claimDue, findNewlyEndedGrants, findSettings, insertAttempt, markGrantAnnounced, settleDelivery } from './webhooks.repository.ts';

export interface WebhookWorkerOptions {
  /** Longest wait for a target's whole answer; a target that hangs fails the attempt and is retried later. */
  timeoutMs: number;
  /** First retry delay; each further retry doubles it. */
  retryBaseMs: number;
  pollMs: number;
}

const privateTargetError = (address: string) => new Error(`refused: the target resolves to ${address}, a private or loopback address (an admin can allow private targets)`);

/** Resolves the host and refuses private addresses at connect time, so a DNS change cannot slip past the check. */
function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return (callback as (e: Error) => void)(error);
      const list = addresses as dns.LookupAddress[];
      const bad = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (bad) return (callback as (e: Error) => void)(privateTargetError(bad.address));
      if ((options as { all?: boolean }).all) return (callback as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      (callback as (e: null, a: string, f: number) => void)(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** One POST with a hard deadline over the whole exchange (connect, headers and body). */
export function postOnce(target: string, body: string, headers: Record<string, string>, timeoutMs: number, allowPrivate: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(target);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!allowPrivate && net.isIP(host) && isPrivateAddress(host)) return reject(privateTargetError(host));
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), 'User-Agent': 'Airlock-Webhooks/1' },
      lookup: guardedLookup(allowPrivate),
    }, (response) => {
      response.on('data', () => {}); // drain; the answer's body is not kept
      response.on('end', () => { clearTimeout(timer); resolve(response.statusCode ?? 0); });
      response.on('error', (error) => { clearTimeout(timer); reject(error); });
    });
    const timer = setTimeout(() => request.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (error) => { clearTimeout(timer); reject(error); });
    request.end(body);
  });
}

/** Claims what is due and delivers it; returns how many deliveries it tried. */
export async function deliverDue(deps: AppDeps, options: WebhookWorkerOptions, batch = 10): Promise<number> {
  const now = new Date();
  const claimed = await claimDue(deps.db, now, new Date(now.getTime() + 2 * options.timeoutMs + 30_000), batch);
  if (claimed.length === 0) return 0;
  const { allowPrivateTargets } = await findSettings(deps.db);
  await Promise.all(claimed.map(async (delivery) => {
    const body = JSON.stringify(delivery.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { [SIGNATURE_HEADER]: signPayload(delivery.secret, timestamp, body), [TIMESTAMP_HEADER]: String(timestamp), 'X-Airlock-Event': delivery.event, 'X-Airlock-Delivery': delivery.id };
    const started = new Date();
    let status: number | null = null;
    let error: string | null = null;
    try {
      status = await postOnce(delivery.url, body, headers, options.timeoutMs, allowPrivateTargets);
      if (status < 200 || status >= 300) error = `answered ${status}`;
    } catch (failure) {
      error = (failure as Error).message.slice(0, 500);
    }
    const finished = new Date();
    await deps.db.transaction(async (tx) => {
      await insertAttempt(tx, { deliveryId: delivery.id, attempt: delivery.attempts, startedAt: started, durationMs: finished.getTime() - started.getTime(), responseStatus: status, error });
      if (!error) await settleDelivery(tx, delivery.id, delivery.attempts, { status: 'delivered', deliveredAt: finished, lastResponseStatus: status, lastError: null });
      else if (delivery.attempts >= MAX_ATTEMPTS) await settleDelivery(tx, delivery.id, delivery.attempts, { status: 'failed', lastResponseStatus: status, lastError: error });
      else await settleDelivery(tx, delivery.id, delivery.attempts, { status: 'pending', nextAttemptAt: new Date(finished.getTime() + retryDelayMs(delivery.attempts, options.retryBaseMs)), lastResponseStatus: status, lastError: error });
    });
    if (error) deps.logger.warn({ deliveryId: delivery.id, event: delivery.event, attempt: delivery.attempts, error }, 'webhook delivery failed');
  }));
  return claimed.length;
}

/**
 * `access.expired` has no change to hang on: a grant simply passes its end. This scan announces
 * each such grant once (the marker row's insert decides which instance does), in the transaction
 * that writes its outbox rows.
 */
export async function announceExpiredGrants(deps: AppDeps, limit = 100): Promise<number> {
  const now = new Date();
  let announced = 0;
  for (const grant of await findNewlyEndedGrants(deps.db, now, limit)) {
    await deps.db.transaction(async (tx) => {
      if (!(await markGrantAnnounced(tx, grant.id, now))) return;
      await enqueueEvent(tx, 'access.expired', grant.repoId, null, { grantId: grant.id, userId: grant.userId, endedAt: grant.endsAt!.toISOString() });
      announced += 1;
    });
  }
  return announced;
}

const EXPIRY_SCAN_MS = 60_000;

/** The background worker: polls the outbox, and scans for ended grants once a minute. */
export function startWebhookWorker(deps: AppDeps, options: WebhookWorkerOptions): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let lastExpiryScan = 0;
  const tick = async () => {
    try {
      if (Date.now() - lastExpiryScan >= EXPIRY_SCAN_MS) {
        lastExpiryScan = Date.now();
        await announceExpiredGrants(deps);
      }
      // A full batch means more may be due: go on at once.
      while (!stopped && (await deliverDue(deps, options)) === 10);
    } catch (error) {
      deps.logger.error({ err: error }, 'webhook worker: a round failed; retrying at the next poll');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, options.pollMs);
    timer.unref();
  };
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
