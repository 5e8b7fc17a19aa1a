import { randomBytes } from 'node:crypto';
import type { AppDeps } from '../../app/deps.ts';
import { badRequest, notFound } from '../../lib/errors.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { checkTargetUrl, type TargetRefusal } from './webhooks.models.ts';
import {
  deleteEndpoint, findEndpoint, findSettings, insertEndpoint, listAttempts, listDeliveries, listEndpointsOfNamespace, listEndpointsOfRepo, saveSettings,
  type EndpointRow,
} from './webhooks.repository.ts';

export interface WebhookActor { userId: string; tokenId: string | null; audit: AuditContext }
export type EndpointScope = { kind: 'repo'; repoId: string; label: string } | { kind: 'org'; namespace: string; label: string };

const REFUSALS: Record<TargetRefusal, string> = {
  'not-a-url': 'url: give a full URL, such as https://hooks.example.org/airlock.',
  scheme: 'url: webhook endpoints must use https://.',
  credentials: 'url: put no user name or password in the URL; verify the X-Airlock-Signature header instead.',
  'private-address': 'url: loopback and private-network targets are refused (a platform admin can allow them).',
};

export async function registerEndpoint(deps: AppDeps, actor: WebhookActor, scope: EndpointScope, input: { url: string; events: string[] }) {
  const { allowPrivateTargets } = await findSettings(deps.db);
  const checked = checkTargetUrl(input.url, allowPrivateTargets);
  if (!checked.ok) throw badRequest('webhook_target_refused', REFUSALS[checked.reason], 'url');
  // The secret signs every payload; it is shown once, in this answer.
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  return deps.db.transaction(async (tx) => {
    const endpoint = await insertEndpoint(tx, {
      repoId: scope.kind === 'repo' ? scope.repoId : null, namespace: scope.kind === 'org' ? scope.namespace : null,
      url: checked.url.toString(), secret, events: input.events, createdBy: actor.userId, createdAt: deps.clock.now(),
    });
    await recordAuditEvent(tx, {
      action: 'webhook.created', actorUserId: actor.userId, actorTokenId: actor.tokenId, repoId: scope.kind === 'repo' ? scope.repoId : null, ip: actor.audit.ip,
      details: { endpointId: endpoint.id, scope: scope.label, url: endpoint.url, events: endpoint.events },
    });
    return endpoint;
  });
}

export const listEndpoints = (deps: AppDeps, scope: EndpointScope) =>
  scope.kind === 'repo' ? listEndpointsOfRepo(deps.db, scope.repoId) : listEndpointsOfNamespace(deps.db, scope.namespace);

export async function loadEndpoint(deps: AppDeps, id: string): Promise<EndpointRow> {
  const endpoint = /^[0-9a-f-]{36}$/i.test(id) ? await findEndpoint(deps.db, id) : undefined;
  if (!endpoint) throw notFound('webhook_not_found', 'No webhook endpoint has this id.');
  return endpoint;
}

export async function removeEndpoint(deps: AppDeps, actor: WebhookActor, endpoint: EndpointRow) {
  await deps.db.transaction(async (tx) => {
    await deleteEndpoint(tx, endpoint.id, deps.clock.now());
    await recordAuditEvent(tx, { action: 'webhook.deleted', actorUserId: actor.userId, actorTokenId: actor.tokenId, repoId: endpoint.repoId, ip: actor.audit.ip, details: { endpointId: endpoint.id, url: endpoint.url } });
  });
}

/** The newest deliveries of an endpoint, each with every attempt. */
export async function loadDeliveryHistory(deps: AppDeps, endpointId: string, limit = 50) {
  const deliveries = await listDeliveries(deps.db, endpointId, limit);
  const attempts = await listAttempts(deps.db, deliveries.map((d) => d.id));
  return deliveries.map((delivery) => ({ delivery, attempts: attempts.filter((a) => a.deliveryId === delivery.id) }));
}

export const loadSettings = (deps: AppDeps) => findSettings(deps.db);

export async function changeSettings(deps: AppDeps, actor: WebhookActor, input: { allowPrivateTargets: boolean }) {
  await deps.db.transaction(async (tx) => {
    const before = await findSettings(tx);
    await saveSettings(tx, { allowPrivateTargets: input.allowPrivateTargets, updatedBy: actor.userId, updatedAt: deps.clock.now() });
    await recordAuditEvent(tx, { action: 'webhook.settings_changed', actorUserId: actor.userId, actorTokenId: actor.tokenId, ip: actor.audit.ip, details: { before: { allowPrivateTargets: before.allowPrivateTargets }, after: input } });
  });
  return findSettings(deps.db);
}
