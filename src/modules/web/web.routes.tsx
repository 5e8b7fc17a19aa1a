import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import type { AppEnv } from '../../app/context.ts';
import { parseInput } from '../../lib/validation.ts';
import { REPO_TYPES } from '../repos/repos.tables.ts';
import { listVisibleRepositories } from '../repos/repos.usecases.ts';
import { authRoutes } from './auth.routes.tsx';
import { CataloguePage } from './catalogue.pages.tsx';
import { repositoryPageRoutes } from './repository.routes.tsx';
import { cardPageRoutes } from './card.routes.tsx';
import { transparencyPageRoutes } from './transparency.routes.tsx';
import { assessmentPageRoutes } from '../assessments/assessments.web.tsx';
import { tokenPageRoutes } from './tokens.routes.tsx';
import { discussionPageRoutes } from '../discussions/discussions.web.tsx';
import { moderationPageRoutes } from '../moderation/moderation.web.tsx';
import { misuseRepoPageRoutes } from '../misuse/misuse.web.tsx';
import { agreementPageRoutes } from '../agreements/agreements.web.tsx';
import { sendPage } from './web.support.ts';

const stylesheet = readFileSync(new URL('./static/airlock.css', import.meta.url));
const favicon = readFileSync(new URL('./static/favicon.svg', import.meta.url));
const STATIC_CACHE = 'public, max-age=3600';

const PAGE_SIZE = 50;

const catalogueQuerySchema = z.object({
  q: z.string().trim().max(200).optional().transform((q) => q || undefined),
  type: z.union([z.enum(REPO_TYPES), z.literal('')]).optional().transform((t) => t || undefined),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
});

/** Server-rendered pages. Mounted last: the repository pages take any two path segments. */
export function webRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/static/airlock.css', (c) => c.body(stylesheet, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': STATIC_CACHE }));
  app.get('/static/favicon.svg', (c) => c.body(favicon, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': STATIC_CACHE }));

  // The catalogue shows exactly what `repo.view` allows, through the same use case as /api/models.
  app.get('/', async (c) => {
    const query = parseInput(catalogueQuerySchema, c.req.query());
    const repos = await listVisibleRepositories(deps, c.get('actor'), { search: query.q, type: query.type, limit: PAGE_SIZE + 1, offset: (query.page - 1) * PAGE_SIZE });
    return sendPage(c, <CataloguePage actor={c.get('actor')} repos={repos.slice(0, PAGE_SIZE)} query={query} hasMore={repos.length > PAGE_SIZE} />);
  });

  app.route('/', authRoutes(deps));
  app.route('/', tokenPageRoutes(deps));
  app.route('/', repositoryPageRoutes(deps));
  // After the repository pages: `/datasets/{owner}/{name}` must win over `/{owner}/{name}/transparency` and the like.
  app.route('/', cardPageRoutes(deps));
  app.route('/', transparencyPageRoutes(deps));
  app.route('/', discussionPageRoutes(deps));
  app.route('/', moderationPageRoutes(deps));
  app.route('/', misuseRepoPageRoutes(deps));
  app.route('/', assessmentPageRoutes(deps));
  app.route('/', agreementPageRoutes(deps));
  return app;
}
