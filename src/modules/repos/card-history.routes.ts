import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { parseInput } from '../../lib/validation.ts';
import { compareQuerySchema, historyQuerySchema } from './card-history.schemas.ts';
import { compareCards, editCard, loadCardHistory, readCardAt } from './card-history.usecases.ts';
import { loadRepositoryFor } from './repos.usecases.ts';
import type { RepoType } from './repos.tables.ts';

const repoRef = (c: AppContext, type: RepoType) => ({ type, namespace: c.req.param('namespace') ?? '', name: c.req.param('name') ?? '' });

/**
 * The model card over the API: its source, its history and diffs (anyone who can see the
 * repository, even when its files are gated), and editing (publishers).
 */
export function cardHistoryRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    const base = `/api/${prefix}/:namespace/:name/card`;

    app.get(base, async (c) => {
      const { revision } = parseInput(historyQuerySchema, c.req.query());
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', repoRef(c, type));
      const card = await readCardAt(deps, repo, revision, 'revision');
      return c.json({ commit: card.revision.id, content: card.source, metadata: card.revision.cardMetadata ?? {} });
    });

    app.put(base, async (c) => {
      const body = await c.req.json();
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.write', repoRef(c, type));
      const revision = await editCard(deps, c.get('actor'), repo, body, { ...auditContextOf(c), via: 'api' });
      return c.json({ commit: revision.id, message: revision.message }, 201);
    });

    app.get(`${base}/history`, async (c) => {
      const { revision } = parseInput(historyQuerySchema, c.req.query());
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', repoRef(c, type));
      const history = await loadCardHistory(deps, repo, revision);
      return c.json(history.map((h) => ({ ...h, createdAt: h.createdAt.toISOString() })));
    });

    app.get(`${base}/compare`, async (c) => {
      const query = parseInput(compareQuerySchema, c.req.query());
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', repoRef(c, type));
      const { from, to, diff } = await compareCards(deps, repo, query.from, query.to);
      return c.json({ from: { commit: from.revision.id, exists: from.source !== null }, to: { commit: to.revision.id, exists: to.source !== null }, ...diff });
    });
  }
  return app;
}
