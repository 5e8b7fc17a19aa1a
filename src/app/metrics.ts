import { timingSafeEqual } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { AppError } from '../lib/errors.ts';
import { countUndeliveredMail } from '../modules/notifications/notifications.repository.ts';
import { countWaiting } from '../modules/webhooks/webhooks.repository.ts';
import type { AppContext, AppEnv } from './context.ts';
import type { AppDeps } from './deps.ts';

/**
 * Prometheus metrics. One registry per process (the counters are process-wide, as Prometheus
 * expects of one target); the queue depths are read from this server's database at each scrape.
 * Per request the cost is one labelled counter increment; per download one gauge move each way.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'airlock_' });

const requests = new Counter({ name: 'airlock_http_requests_total', help: 'HTTP requests by method, matched route and status.', labelNames: ['method', 'route', 'status'] as const, registers: [metricsRegistry] });
const bytesServed = new Counter({ name: 'airlock_download_bytes_total', help: 'File bytes sent to downloaders (what actually left, aborted transfers included).', registers: [metricsRegistry] });
const activeDownloads = new Gauge({ name: 'airlock_active_downloads', help: 'File transfers in progress.', registers: [metricsRegistry] });
const gateDecisions = new Counter({ name: 'airlock_gate_decisions_total', help: 'Answers of the download gate on /resolve/ by outcome.', labelNames: ['outcome'] as const, registers: [metricsRegistry] });
const queueDepth = new Gauge({ name: 'airlock_queue_depth', help: 'Background work waiting: undelivered mail, webhook deliveries not yet settled.', labelNames: ['queue'] as const, registers: [metricsRegistry] });

/** The gate's answer from the response alone, so the gate itself carries no metrics code. */
function gateOutcome(status: number): 'allowed' | 'denied' | 'not_found' | 'error' {
  if (status < 400) return 'allowed';
  if (status === 401 || status === 403) return 'denied';
  if (status === 404) return 'not_found';
  return 'error';
}

/** Counts each request under its route pattern (never the raw path: that would be unbounded). */
export const countRequests = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const route = routePath(c);
  const status = c.res.status;
  requests.labels(c.req.method, route, String(status)).inc();
  if (route.includes('/resolve/')) gateDecisions.labels(gateOutcome(status)).inc();
});

/** Wraps a download's end callback: the transfer counts as active until it ends, then its bytes are added. */
export function trackDownload(onEnd: (bytesSent: number) => void): (bytesSent: number) => void {
  activeDownloads.inc();
  return (bytesSent) => {
    activeDownloads.dec();
    bytesServed.inc(bytesSent);
    onEnd(bytesSent);
  };
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

function sameSecret(given: string, expected: string) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `GET /metrics`: with `AIRLOCK_METRICS_TOKEN` set, for callers with `Authorization: Bearer <token>`;
 * without it, for loopback callers only. Mounted before user authentication, so the metrics token
 * is never mistaken for (or checked as) an Airlock API token.
 */
export function metricsHandler(deps: AppDeps) {
  return async (c: AppContext) => {
    const token = deps.config.metricsToken;
    if (token) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
      if (!match || !sameSecret(match[1]!, token)) throw new AppError('authentication_required', 401, 'Pass the metrics token as Authorization: Bearer <AIRLOCK_METRICS_TOKEN>.');
    } else if (!LOOPBACK.test(c.get('clientIp') ?? '')) {
      throw new AppError('forbidden', 403, 'Metrics are served to loopback callers only. Set AIRLOCK_METRICS_TOKEN to scrape from elsewhere.');
    }
    const [mail, webhooks] = await Promise.all([countUndeliveredMail(deps.db), countWaiting(deps.db)]);
    queueDepth.labels('mail').set(mail);
    queueDepth.labels('webhooks').set(webhooks);
    return c.body(await metricsRegistry.metrics(), 200, { 'Content-Type': metricsRegistry.contentType, 'Cache-Control': 'no-store' });
  };
}
