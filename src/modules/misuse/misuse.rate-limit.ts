import type { AppDeps } from '../../app/deps.ts';
import { AppError } from '../../lib/errors.ts';
import { RateLimiter } from '../../lib/rate-limit.ts';

/** Anonymous reports per address per hour. Signed-in reporters are accountable and not limited. */
export const ANONYMOUS_REPORTS_PER_HOUR = 5;

// One limiter per running server, shared by the API and the form.
const limiters = new WeakMap<AppDeps, RateLimiter>();

/** Counts one anonymous report from `ip`; throws 429 with Retry-After when over the limit. */
export function limitAnonymousReport(deps: AppDeps, ip: string | null) {
  let limiter = limiters.get(deps);
  if (!limiter) limiters.set(deps, (limiter = new RateLimiter(ANONYMOUS_REPORTS_PER_HOUR, 60 * 60 * 1000)));
  const verdict = limiter.hit(ip ?? 'unknown', deps.clock.now().getTime());
  if (!verdict.allowed) {
    throw new AppError('too_many_reports', 429, `Too many reports were sent from your address without an account. Wait ${Math.ceil(verdict.retryAfterSeconds / 60)} minute(s), or sign in to report.`, { headers: { 'Retry-After': String(verdict.retryAfterSeconds) } });
  }
}
