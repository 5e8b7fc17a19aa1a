import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppEnv } from '../../app/context.ts';
import { jsonBody } from '../../lib/validation.ts';
import { presentForModerator, presentForReporter, presentQueueItem } from './misuse.presenters.ts';
import { limitAnonymousReport } from './misuse.rate-limit.ts';
import { fileReport, inspectReport, listMyReports, loadMyReport, loadQueue, loadReportByToken, statusPath, triageReport } from './misuse.usecases.ts';

/** Misuse reports over the API: filing (anyone), the reporter's status, the moderators' queue and triage. */
export function misuseRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.post('/api/misuse-reports', async (c) => {
    const body = await jsonBody(c);
    if (c.get('actor').kind === 'anonymous') limitAnonymousReport(deps, c.get('clientIp'));
    const { report, statusToken } = await fileReport(deps, c.get('actor'), body, auditContextOf(c));
    return c.json({
      id: report.id, status: report.status,
      // Shown once: only its hash is stored.
      ...(statusToken ? { statusUrl: `${deps.config.baseUrl}${statusPath(statusToken)}`, statusToken } : {}),
    }, 201, { 'Cache-Control': 'no-store' });
  });

  app.get('/api/misuse-reports/status/:token', async (c) => c.json(presentForReporter(await loadReportByToken(deps, c.req.param('token'))), 200, { 'Cache-Control': 'no-store' }));

  app.get('/api/me/misuse-reports', async (c) => c.json((await listMyReports(deps, c.get('actor'))).map(presentQueueItem)));
  app.get('/api/me/misuse-reports/:id', async (c) => c.json(presentForReporter(await loadMyReport(deps, c.get('actor'), c.req.param('id')))));

  app.get('/api/misuse-reports', async (c) => c.json((await loadQueue(deps, c.get('actor'), c.req.query('closed') === 'true')).map(presentQueueItem)));
  app.get('/api/misuse-reports/:id', async (c) => c.json(presentForModerator(await inspectReport(deps, c.get('actor'), c.req.param('id')))));
  app.post('/api/misuse-reports/:id/actions', async (c) => {
    const body = await jsonBody(c);
    await triageReport(deps, c.get('actor'), c.req.param('id'), body, auditContextOf(c));
    return c.json(presentForModerator(await inspectReport(deps, c.get('actor'), c.req.param('id'))));
  });
  return app;
}
