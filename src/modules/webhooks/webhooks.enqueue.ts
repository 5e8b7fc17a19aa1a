import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { EVENT_OF_AUDIT_ACTION, type WebhookEvent } from './webhooks.models.ts';
import { findSubscribers, findUsernames, insertDeliveries } from './webhooks.repository.ts';

/** The payload's `version`: receivers can tell the shape apart when it changes. */
const PAYLOAD_VERSION = 1;

/**
 * Called for every audit event, inside its transaction: an action that announces a webhook event
 * puts one outbox row per subscribed endpoint, so the webhook exists exactly when the change
 * committed. Everything else returns after one map lookup (downloads are audited too).
 */
export async function enqueueForAuditEvent(db: Db, event: { action: string; repoId?: string | null; actorUserId?: string | null; details?: Record<string, unknown> }) {
  const webhookEvent = EVENT_OF_AUDIT_ACTION.get(event.action);
  if (!webhookEvent || !event.repoId) return;
  await enqueueEvent(db, webhookEvent, event.repoId, event.actorUserId ?? null, event.details ?? {});
}

/** Events whose actor the publisher must not learn: a misuse report's reporter stays unnamed. */
const ANONYMOUS_EVENTS: ReadonlySet<WebhookEvent> = new Set(['misuse.reported']);

export async function enqueueEvent(db: Db, event: WebhookEvent, repoId: string, actorUserId: string | null, details: Record<string, unknown>) {
  if (ANONYMOUS_EVENTS.has(event)) actorUserId = null;
  const subscribers = (await findSubscribers(db, repoId)).filter((s) => s.endpoint.events.length === 0 || s.endpoint.events.includes(event));
  if (subscribers.length === 0) return;
  const repo = subscribers[0]!.repo;
  // Name the people involved by username: that is what publishers know them by.
  const subjectId = typeof details.applicantId === 'string' ? details.applicantId : typeof details.userId === 'string' ? details.userId : null;
  const names = await findUsernames(db, [actorUserId, subjectId].filter((id): id is string => id !== null));
  const now = new Date();
  const payload = {
    id: randomUUID(),
    version: PAYLOAD_VERSION,
    event,
    occurredAt: now.toISOString(),
    repository: { id: repo.id, type: repo.type, name: `${repo.namespace}/${repo.name}` },
    actor: actorUserId ? { username: names.get(actorUserId) ?? null } : null,
    ...(subjectId ? { user: { username: names.get(subjectId) ?? null } } : typeof details.user === 'string' ? { user: { username: details.user } } : {}),
    data: details,
  };
  await insertDeliveries(db, subscribers.map((s) => ({ endpointId: s.endpoint.id, event, payload, nextAttemptAt: now, createdAt: now })));
}
