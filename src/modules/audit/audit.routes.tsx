import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { parseInput } from '../../lib/validation.ts';
import { actorTokenId, actorUserId } from '../access/actor.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { isFormError, loginPath, repoPagePath, sendPage } from '../web/web.support.ts';
import type { ExportLine } from './audit.export.models.ts';
import { prepareRepoExport } from './audit.export.usecases.ts';
import { AdminAuditPage, RepoAuditPage } from './audit.pages.tsx';
import { listRepoLog, loadRepoForAudit, presentAuditRow, searchWholeLog, type AuditPage } from './audit.read.usecases.ts';
import { auditExportQuerySchema } from './audit.schemas.ts';

const repoRef = (c: AppContext, type: RepoType) => ({ type, namespace: c.req.param('namespace') ?? '', name: c.req.param('name') ?? '' });

const queryValues = (c: AppContext) => Object.fromEntries(Object.entries(c.req.query()).map(([k, v]) => [k, String(v).slice(0, 300)]));

/** JSON Lines from the export's lines, streamed: an export can be large and is never held whole. */
function jsonLines(lines: AsyncGenerator<ExportLine>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await lines.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(`${JSON.stringify(value)}\n`));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
}

/** The audit export (API), a repository's audit page and the platform admins' search. */
export function auditRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    app.get(`/api/${prefix}/:namespace/:name/audit/export`, async (c) => {
      const actor = c.get('actor');
      const repo = await loadRepoForAudit(deps, actor, repoRef(c, type));
      const { since } = parseInput(auditExportQuerySchema, c.req.query());
      const lines = await prepareRepoExport(deps, repo, { userId: actorUserId(actor), tokenId: actorTokenId(actor) }, auditContextOf(c), since);
      return new Response(jsonLines(lines), {
        headers: {
          'Content-Type': 'application/x-ndjson; charset=utf-8',
          'Content-Disposition': `attachment; filename="${repo.namespace}__${repo.name}.audit.jsonl"`,
          'Cache-Control': 'private, no-store',
        },
      });
    });
  }

  app.get('/api/admin/audit', async (c) => {
    const page = await searchWholeLog(deps, c.get('actor'), c.req.query());
    return c.json({ records: page.rows.map(presentAuditRow), next: page.next });
  });

  app.get('/admin/audit', async (c) => {
    const actor = c.get('actor');
    if (actor.kind === 'anonymous') return c.redirect(loginPath('/admin/audit'), 303);
    const values = queryValues(c);
    let page: AuditPage | null = null;
    try {
      page = await searchWholeLog(deps, actor, values);
    } catch (error) {
      // Bad filters are shown beside their field; a refusal (403) is the error page.
      if (!isFormError(error) || error.status !== 400) throw error;
      return sendPage(c, <AdminAuditPage actor={actor} rows={[]} next={null} state={{ values, error }} />, 400);
    }
    return sendPage(c, <AdminAuditPage actor={actor} rows={page.rows.map(presentAuditRow)} next={page.next} state={{ values }} />);
  });

  for (const [prefix, type] of [['', 'model'], ['/datasets', 'dataset']] as const) {
    app.get(`${prefix}/:namespace/:name/audit`, async (c) => {
      const actor = c.get('actor');
      const pagePath = `${repoPagePath({ type, namespace: c.req.param('namespace'), name: c.req.param('name') })}/audit`;
      if (actor.kind === 'anonymous') return c.redirect(loginPath(pagePath), 303);
      const repo = await loadRepoForAudit(deps, actor, repoRef(c, type));
      const props = {
        actor,
        repoLabel: `${repo.namespace}/${repo.name}`,
        pagePath: `${repoPagePath(repo)}/audit`,
        exportPath: `/api/${type === 'dataset' ? 'datasets' : 'models'}/${encodeURIComponent(repo.namespace)}/${encodeURIComponent(repo.name)}/audit/export`,
      };
      const values = queryValues(c);
      try {
        const page = await listRepoLog(deps, repo, values);
        return sendPage(c, <RepoAuditPage {...props} rows={page.rows.map(presentAuditRow)} next={page.next} state={{ values }} />);
      } catch (error) {
        if (!isFormError(error) || error.status !== 400) throw error;
        return sendPage(c, <RepoAuditPage {...props} rows={[]} next={null} state={{ values, error }} />, 400);
      }
    });
  }
  return app;
}
