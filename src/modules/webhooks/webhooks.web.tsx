import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { isAppError } from '../../lib/errors.ts';
import { formBody, parseInput } from '../../lib/validation.ts';
import { actorTokenId, type Actor } from '../access/actor.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { isFormError, loginPath, pageRepoRef, repoPagePath, sendPage } from '../web/web.support.ts';
import { endpointFor, orgScope, repoScope } from './webhooks.routes.ts';
import { WebhooksPage, type WebhooksPageProps } from './webhooks.pages.tsx';
import { createEndpointSchema } from './webhooks.schemas.ts';
import { listEndpoints, loadDeliveryHistory, registerEndpoint, removeEndpoint, type EndpointScope } from './webhooks.usecases.ts';

/** Where a page's endpoints belong: how to check the caller, and the page's own address. */
interface PageScope {
  resolve(actor: Actor, write: boolean): Promise<{ user: Actor & { kind: 'user' }; scope: EndpointScope }>;
  pagePath: string;
  backPath: string;
}

/**
 * The webhooks settings pages: `/{owner}/{name}/settings/webhooks` (and `/datasets/…`) for a
 * repository, `/orgs/{org}/settings/webhooks` for an organisation. Endpoints, the form to add one
 * (its secret shown once), and each endpoint's delivery history.
 */
export function webhookPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  const mount = (path: string, scopeOf: (c: AppContext) => PageScope) => {
    const render = async (c: AppContext, extra: Partial<WebhooksPageProps> = {}, status = 200) => {
      const page = scopeOf(c);
      const { scope } = await page.resolve(c.get('actor'), false);
      const endpoints = await Promise.all((await listEndpoints(deps, scope)).map(async (endpoint) => ({ endpoint, deliveries: await loadDeliveryHistory(deps, endpoint.id, 20) })));
      const canChange = await page.resolve(c.get('actor'), true).then(() => true, () => false);
      return sendPage(c, <WebhooksPage actor={c.get('actor')} scopeLabel={scope.label} backPath={page.backPath} path={page.pagePath} endpoints={endpoints} canChange={canChange} {...extra} />, status);
    };

    app.get(path, async (c) => {
      if (c.get('actor').kind === 'anonymous') return c.redirect(loginPath(scopeOf(c).pagePath), 303);
      return render(c);
    });

    app.post(path, async (c) => {
      const page = scopeOf(c);
      if (c.get('actor').kind === 'anonymous') return c.redirect(loginPath(page.pagePath), 303);
      const { user, scope } = await page.resolve(c.get('actor'), true);
      const body = await formBody(c, { all: true });
      const events = body.events === undefined ? [] : ([] as unknown[]).concat(body.events);
      try {
        const data = parseInput(createEndpointSchema, { url: body.url, events });
        const endpoint = await registerEndpoint(deps, { userId: user.user.id, tokenId: actorTokenId(user), audit: auditContextOf(c) }, scope, data);
        return render(c, { createdSecret: endpoint.secret });
      } catch (error) {
        if (!isFormError(error)) throw error;
        return render(c, { form: { values: { url: String(body.url ?? '') }, error } }, isAppError(error) ? error.status : 400);
      }
    });

    app.post(`${path}/:id/delete`, async (c) => {
      const page = scopeOf(c);
      if (c.get('actor').kind === 'anonymous') return c.redirect(loginPath(page.pagePath), 303);
      const { user, endpoint } = await endpointFor(deps, c.get('actor'), c.req.param('id'), true);
      await removeEndpoint(deps, { userId: user.user.id, tokenId: actorTokenId(user), audit: auditContextOf(c) }, endpoint);
      return c.redirect(page.pagePath, 303);
    });
  };

  // First: `/orgs/{org}/settings/webhooks` would otherwise match the repository pattern below.
  mount('/orgs/:org/settings/webhooks', (c) => {
    const org = c.req.param('org') ?? '';
    return { resolve: (actor, write) => orgScope(deps, actor, org, write), pagePath: `/orgs/${encodeURIComponent(org)}/settings/webhooks`, backPath: `/${encodeURIComponent(org)}` };
  });
  for (const [prefix, type] of [['', 'model'], ['/datasets', 'dataset']] as [string, RepoType][]) {
    mount(`${prefix}/:namespace/:name/settings/webhooks`, (c) => {
      const ref = pageRepoRef(c, type);
      return { resolve: (actor, write) => repoScope(deps, actor, ref, write), pagePath: `${repoPagePath(ref)}/settings/webhooks`, backPath: repoPagePath(ref) };
    });
  }
  return app;
}
