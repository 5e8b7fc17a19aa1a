import { Hono } from 'hono';
import { AppError } from '../lib/errors.ts';
import { accessRoutes } from '../modules/access/access.routes.ts';
import { applicationRoutes } from '../modules/applications/applications.routes.ts';
import { applicationSettingsRoutes } from '../modules/applications/applications.settings.routes.ts';
import { accessStatusRoutes } from '../modules/access/access-status.routes.ts';
import { agreementRoutes } from '../modules/agreements/agreements.routes.ts';
import { assessmentRoutes } from '../modules/assessments/assessments.routes.ts';
import { assessmentStaffPageRoutes } from '../modules/assessments/assessments.web.tsx';
import { cardHistoryRoutes } from '../modules/repos/card-history.routes.ts';
import { auditRoutes } from '../modules/audit/audit.routes.tsx';
import { moderationRoutes } from '../modules/moderation/moderation.routes.ts';
import { discussionRoutes } from '../modules/discussions/discussions.routes.ts';
import { misuseRoutes } from '../modules/misuse/misuse.routes.ts';
import { misusePageRoutes } from '../modules/misuse/misuse.web.tsx';
import { credentialRoutes } from '../modules/credentials/credentials.routes.ts';
import { credentialPageRoutes } from '../modules/credentials/credentials.web.tsx';
import { hubRoutes } from '../modules/hub/hub.routes.ts';
import { stageRoutes } from '../modules/stages/stages.routes.ts';
import { stagePageRoutes } from '../modules/stages/stages.web.tsx';
import { notificationPageRoutes } from '../modules/notifications/notifications.web.tsx';
import { benchRoutes } from './bench-routes.ts';
import { manifestRoutes } from '../modules/manifests/manifests.routes.ts';
import { fingerprintRoutes } from '../modules/fingerprints/fingerprints.routes.ts';
import { fingerprintPageRoutes } from '../modules/fingerprints/fingerprints.web.tsx';
import { notificationRoutes } from '../modules/notifications/notifications.routes.ts';
import { conditionRoutes } from '../modules/conditions/conditions.routes.ts';
import { applicationPageRoutes } from '../modules/applications/applications.web.tsx';
import { passportRoutes } from '../modules/passports/passports.routes.ts';
import { webhookRoutes } from '../modules/webhooks/webhooks.routes.ts';
import { webhookPageRoutes } from '../modules/webhooks/webhooks.web.tsx';
import { oidcRoutes } from '../modules/oidc/oidc.routes.ts';
import { openApiRoutes } from '../modules/openapi/openapi.routes.tsx';
import { orgRoutes } from '../modules/orgs/orgs.routes.ts';
import { repoRoutes } from '../modules/repos/repos.routes.ts';
import { tokenRoutes } from '../modules/tokens/tokens.routes.ts';
import { trainingRoutes } from '../modules/trainings/trainings.routes.ts';
import { trainingPageRoutes } from '../modules/trainings/trainings.web.tsx';
import { webRoutes } from '../modules/web/web.routes.tsx';
import type { AppEnv } from './context.ts';
import type { AppDeps } from './deps.ts';
import { createErrorHandler } from './error-handler.ts';
import { countRequests, metricsHandler } from './metrics.ts';
import { authenticate } from './middleware/authenticate.ts';
import { csrfProtection } from './middleware/csrf.ts';
import { requestContext } from './middleware/request-context.ts';
import { sendDirectBodies } from './middleware/direct-body.ts';
import { limitBufferedBodies } from './middleware/body-limit.ts';
import { fixedHeaders, publicCors, SECURITY_HEADERS } from './middleware/fixed-headers.ts';

export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(deps.logger));
  app.notFound(() => {
    throw new AppError('not_found', 404, 'Nothing here. Check the address, or start from the catalogue at /.');
  });

  app.use(sendDirectBodies);
  app.use(requestContext(deps.logger));
  app.use(countRequests);
  app.use(fixedHeaders(SECURITY_HEADERS));
  app.use('/api/*', publicCors(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']));
  // Hono's router has no pattern for "resolve anywhere in the path", so each resolve route is listed.
  const resolveCors = publicCors(['GET', 'HEAD']);
  for (const path of ['/:namespace/:name/resolve/*', '/datasets/:namespace/:name/resolve/*', '/models/:namespace/:name/resolve/*']) app.use(path, resolveCors);
  // Before authentication: the metrics token is not an Airlock token and must not be checked as one.
  app.get('/metrics', metricsHandler(deps));
  app.use(limitBufferedBodies());
  app.use(authenticate(deps.db));
  app.use(csrfProtection(new URL(deps.config.baseUrl).origin));

  app.get('/healthz', (c) => c.json({ ok: true }));
  if (deps.config.benchRoutes) app.route('/', benchRoutes());
  app.route('/', tokenRoutes(deps));
  app.route('/', orgRoutes(deps));
  app.route('/', repoRoutes(deps));
  app.route('/', cardHistoryRoutes(deps));
  app.route('/', assessmentRoutes(deps));
  app.route('/', accessRoutes(deps));
  app.route('/', stageRoutes(deps));
  app.route('/', applicationRoutes(deps));
  app.route('/', applicationSettingsRoutes(deps));
  app.route('/', accessStatusRoutes(deps));
  app.route('/', manifestRoutes(deps));
  app.route('/', fingerprintRoutes(deps));
  app.route('/', agreementRoutes(deps));
  app.route('/', moderationRoutes(deps));
  app.route('/', discussionRoutes(deps));
  app.route('/', misuseRoutes(deps));
  app.route('/', credentialRoutes(deps));
  app.route('/', trainingRoutes(deps));
  app.route('/', notificationRoutes(deps));
  app.route('/', conditionRoutes(deps));
  app.route('/', passportRoutes(deps));
  app.route('/', webhookRoutes(deps));
  // Reads the route table at request time, so it sees every route mounted below too.
  app.route('/', openApiRoutes(deps, () => app.routes));
  app.route('/', hubRoutes(deps));
  // Before the web routes: their `/:namespace/:name` repository pages would take `/staff/credentials`.
  app.route('/', credentialPageRoutes(deps));
  // Before the web routes too: `/moderation/reports` and `/settings/reports` would look like repository pages.
  app.route('/', misusePageRoutes(deps));
  // Before the web routes too: `/staff/assessments` would look like a repository page.
  app.route('/', assessmentStaffPageRoutes(deps));
  // Before the web routes too: `/trainings/{slug}` would look like a repository page.
  app.route('/', trainingPageRoutes(deps));
  // Before the web routes too: `/admin/audit` and `/{owner}/{name}/audit` would look like repository pages.
  app.route('/', auditRoutes(deps));
  // Before the web routes: `/{owner}/{name}/settings/…` would look like a repository page.
  app.route('/', fingerprintPageRoutes(deps));
  app.route('/', stagePageRoutes(deps));
  app.route('/', notificationPageRoutes(deps));
  app.route('/', webhookPageRoutes(deps));
  app.route('/', oidcRoutes(deps));
  // Before the web routes: `/{owner}/{name}/apply` and `/review/…` would look like repository pages.
  app.route('/', applicationPageRoutes(deps));
  app.route('/', webRoutes(deps));
  return app;
}
