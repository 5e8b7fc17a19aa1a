import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { AppError, notFound, unauthenticated } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import { actorTokenId, type Actor } from '../access/actor.ts';
import { findOrganizationByName, findRoleInNamespace } from '../orgs/orgs.repository.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import type { WebhookAction } from './webhooks.policies.ts';
import { findRepositoryRef, type EndpointRow } from './webhooks.repository.ts';
import { createEndpointSchema, webhookSettingsSchema } from './webhooks.schemas.ts';
import { changeSettings, listEndpoints, loadDeliveryHistory, loadEndpoint, loadSettings, registerEndpoint, removeEndpoint, type EndpointScope, type WebhookActor } from './webhooks.usecases.ts';

type UserActor = Actor & { kind: 'user' };

export function ensureAllowed(actor: Actor, action: WebhookAction): UserActor {
  const decision = authorize(actor, action);
  if (decision.allowed && actor.kind === 'user') return actor;
  switch (decision.allowed ? 'sign-in-required' : decision.reason) {
    case 'sign-in-required': throw unauthenticated('Sign in, or pass a token, to manage webhooks.');
    case 'user-blocked': throw new AppError('user_blocked', 403, 'Your account is blocked. Contact the platform administrators.');
    case 'insufficient-scope': throw new AppError('insufficient_scope', 403, 'This token is read-only. Use a write token or the browser.');
    default: throw new AppError('forbidden', 403, action.type === 'webhook.settings'
      ? 'Only platform admins change the webhook settings.'
      : 'Only publishers (repository owners; organisation admins for organisation endpoints) manage webhooks.');
  }
}

const who = (c: AppContext, actor: UserActor): WebhookActor => ({ userId: actor.user.id, tokenId: actorTokenId(actor), audit: auditContextOf(c) });

/** The scope of a repository's endpoints, after checking the caller may manage them. */
type Scoped = { user: UserActor; scope: EndpointScope };

export async function repoScope(deps: AppDeps, actor: Actor, ref: { type: RepoType; namespace: string; name: string }, write: boolean): Promise<Scoped> {
  const { repo, facts } = await loadRepositoryFor(deps, actor, 'repo.view', ref);
  const user = ensureAllowed(actor, { type: 'webhook.manage', scope: 'repo', role: facts.role, write });
  const scope: EndpointScope = { kind: 'repo', repoId: repo.id, label: `${repo.namespace}/${repo.name}` };
  return { user, scope };
}

export async function orgScope(deps: AppDeps, actor: Actor, name: string, write: boolean): Promise<Scoped> {
  const org = await findOrganizationByName(deps.db, name);
  if (!org) throw notFound('org_not_found', `No organisation named "${name}".`);
  const role = actor.kind === 'user' ? await findRoleInNamespace(deps.db, actor.user.id, org.name) : null;
  const user = ensureAllowed(actor, { type: 'webhook.manage', scope: 'org', role, write });
  const scope: EndpointScope = { kind: 'org', namespace: org.name, label: org.name };
  return { user, scope };
}

/** An endpoint by id, after checking the caller manages its repository or organisation. */
export async function endpointFor(deps: AppDeps, actor: Actor, id: string, write: boolean): Promise<{ user: UserActor; endpoint: EndpointRow }> {
  if (actor.kind === 'anonymous') throw unauthenticated('Sign in, or pass a token, to manage webhooks.');
  const endpoint = await loadEndpoint(deps, id);
  if (endpoint.namespace) return { user: (await orgScope(deps, actor, endpoint.namespace, write)).user, endpoint };
  const repo = await findRepositoryRef(deps.db, endpoint.repoId!);
  return { user: (await repoScope(deps, actor, repo, write)).user, endpoint };
}

export const presentEndpoint = (e: EndpointRow, scope: string) => ({ id: e.id, scope, url: e.url, events: e.events, createdAt: e.createdAt.toISOString() });

export function webhookRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const scopes: [string, (c: AppContext, write: boolean) => Promise<Scoped>][] = [
    ['/api/models/:namespace/:name/webhooks', (c, write) => repoScope(deps, c.get('actor'), { type: 'model', namespace: c.req.param('namespace')!, name: c.req.param('name')! }, write)],
    ['/api/datasets/:namespace/:name/webhooks', (c, write) => repoScope(deps, c.get('actor'), { type: 'dataset', namespace: c.req.param('namespace')!, name: c.req.param('name')! }, write)],
    ['/api/orgs/:org/webhooks', (c, write) => orgScope(deps, c.get('actor'), c.req.param('org')!, write)],
  ];
  for (const [path, scopeOf] of scopes) {
    app.get(path, async (c) => {
      const { scope } = await scopeOf(c, false);
      return c.json((await listEndpoints(deps, scope)).map((e) => presentEndpoint(e, scope.label)));
    });
    app.post(path, async (c) => {
      const { user, scope } = await scopeOf(c, true);
      const data = parseInput(createEndpointSchema, await c.req.json());
      const endpoint = await registerEndpoint(deps, who(c, user), scope, data);
      // The only time the secret is shown.
      return c.json({ ...presentEndpoint(endpoint, scope.label), secret: endpoint.secret }, 201);
    });
  }

  app.delete('/api/webhooks/:id', async (c) => {
    const { user, endpoint } = await endpointFor(deps, c.get('actor'), c.req.param('id'), true);
    await removeEndpoint(deps, who(c, user), endpoint);
    return c.body(null, 204);
  });

  app.get('/api/webhooks/:id/deliveries', async (c) => {
    const { endpoint } = await endpointFor(deps, c.get('actor'), c.req.param('id'), false);
    const history = await loadDeliveryHistory(deps, endpoint.id);
    return c.json(history.map(({ delivery: d, attempts }) => ({
      id: d.id, event: d.event, status: d.status, attempts: d.attempts, nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
      lastResponseStatus: d.lastResponseStatus, lastError: d.lastError, createdAt: d.createdAt.toISOString(), deliveredAt: d.deliveredAt?.toISOString() ?? null, payload: d.payload,
      history: attempts.map((a) => ({ attempt: a.attempt, startedAt: a.startedAt.toISOString(), durationMs: a.durationMs, responseStatus: a.responseStatus, error: a.error })),
    })));
  });

  app.get('/api/admin/webhook-settings', async (c) => {
    ensureAllowed(c.get('actor'), { type: 'webhook.settings', write: false });
    return c.json({ allowPrivateTargets: (await loadSettings(deps)).allowPrivateTargets });
  });
  app.put('/api/admin/webhook-settings', async (c) => {
    const user = ensureAllowed(c.get('actor'), { type: 'webhook.settings', write: true });
    const data = parseInput(webhookSettingsSchema, await c.req.json());
    return c.json({ allowPrivateTargets: (await changeSettings(deps, who(c, user), data)).allowPrivateTargets });
  });
  return app;
}
