import { createHmac, timingSafeEqual } from 'node:crypto';
import net from 'node:net';

/** Pure webhook logic: event names, signatures, retry schedule and target address rules. */

export const WEBHOOK_EVENTS = [
  'access.requested', 'access.granted', 'access.revoked', 'access.expired',
  'repo.blocked', 'repo.unblocked', 'misuse.reported', 'release.published',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const DELIVERY_STATUSES = ['pending', 'delivering', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * Which audit actions announce which event. Audit events are written in the transaction of every
 * change, so enqueueing from there puts the outbox row in that same transaction. `misuse.reported`
 * and `release.published` have no source yet: a domain that records those audit actions gets its
 * webhooks with no further change. `access.expired` comes from the expiry scan (no audit action).
 */
export const EVENT_OF_AUDIT_ACTION: ReadonlyMap<string, WebhookEvent> = new Map([
  ['access_request.submitted', 'access.requested'],
  ['grant.created', 'access.granted'],
  ['grant.revoked', 'access.revoked'],
  ['repo.blocked', 'repo.blocked'],
  ['repo.unblocked', 'repo.unblocked'],
  ['misuse.reported', 'misuse.reported'],
  ['release.published', 'release.published'],
]);

export const SIGNATURE_HEADER = 'X-Airlock-Signature';
export const TIMESTAMP_HEADER = 'X-Airlock-Timestamp';

/**
 * `sha256=<hex>` over `<unix seconds>.<body>`: the timestamp is signed too, so a receiver can
 * refuse replays older than a few minutes.
 */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: recompute and compare in constant time. */
export function verifySignature(secret: string, timestamp: number, body: string, header: string | null | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signPayload(secret, timestamp, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export const MAX_ATTEMPTS = 8;

/** Exponential backoff: base, 2×base, 4×base…, capped at six hours. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 6 * 3600_000);
}

/** Loopback, private, link-local, unique-local, CGNAT, multicast and unspecified addresses. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? mapped[1]! : address;
  if (net.isIPv4(ip)) {
    const [a, b] = ip.split('.').map(Number) as [number, number];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31)
      || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  if (net.isIPv6(ip)) {
    const lower = ip.toLowerCase();
    return lower === '::' || lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower) || lower.startsWith('ff');
  }
  return true; // not an address at all: refuse rather than guess
}

export type TargetRefusal = 'not-a-url' | 'scheme' | 'credentials' | 'private-address';

/** Checks a target URL's form. Host names are resolved and checked again at every delivery. */
export function checkTargetUrl(raw: string, allowPrivate: boolean): { ok: true; url: URL } | { ok: false; reason: TargetRefusal } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not-a-url' };
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return { ok: false, reason: 'scheme' };
  if (url.username || url.password) return { ok: false, reason: 'credentials' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (net.isIP(host) && isPrivateAddress(host)))) return { ok: false, reason: 'private-address' };
  return { ok: true, url };
}
