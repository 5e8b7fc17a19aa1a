import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppEnv, type AppContext } from '../../app/context.ts';
import { AppError, notFound, unauthenticated } from '../../lib/errors.ts';
import { nextPageUrl } from '../../lib/next-page.ts';
import { rawPathSegments } from '../../lib/raw-path.ts';
import { formBody, parseInput } from '../../lib/validation.ts';
import { grantAccess, handleAccessRequest, listRequests } from '../access/access.usecases.ts';
import { listOrganizationsOfUser } from '../orgs/orgs.repository.ts';
import { listRevisionFiles } from '../repos/repos.repository.ts';
import { loadRepositoryFor, resolveRevision } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { buildTree, presentPathInfo, presentRepoInfo } from './hub.presenters.ts';
import { serveResolve } from './hub.download.ts';

const TREE_PAGE_SIZE = 1000;

/** `/api/models/...` or `/api/datasets/...`: the repository reference from the raw path. */
function repoRefFromPath(c: AppContext) {
  const segments = rawPathSegments(c.req.url);
  const type: RepoType = segments[1] === 'datasets' ? 'dataset' : 'model';
  return { ref: { type, namespace: segments[2] ?? '', name: segments[3] ?? '' }, rest: segments.slice(4) };
}

const isTrue = (value: string | undefined) => value === 'true' || value === '1';

export const pathsInfoSchema = z.object({
  paths: z.union([z.string(), z.array(z.string())]).transform((p) => (Array.isArray(p) ? p : [p])).pipe(z.array(z.string()).max(10_000)),
  expand: z.union([z.boolean(), z.string().transform((s) => s === 'true' || s === '1')]).default(false),
});

const accessStatusSchema = z.enum(['pending', 'accepted', 'rejected']);

/** Routes that speak the Hugging Face Hub protocol, so unmodified clients work against Airlock. */
export function hubRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/api/whoami-v2', async (c) => {
    const actor = c.get('actor');
    if (actor.kind === 'anonymous') throw unauthenticated('Invalid credentials in Authorization header');
    const orgs = await listOrganizationsOfUser(deps.db, actor.user.id);
    return c.json({
      type: 'user',
      id: actor.user.id,
      name: actor.user.username,
      fullname: actor.user.displayName,
      email: actor.user.email,
      emailVerified: false,
      isPro: false,
      canPay: false,
      orgs: orgs.map((o) => ({ type: 'org', name: o.name, fullname: o.displayName, roleInOrg: o.role })),
      platformRoles: actor.user.platformRoles,
      auth: actor.via === 'token'
        ? { type: 'access_token', accessToken: { displayName: actor.token.name, role: actor.token.scope, createdAt: actor.token.createdAt.toISOString() } }
        : { type: 'session' },
    });
  });

  for (const prefix of ['models', 'datasets'] as const) {
    const base = `/api/${prefix}/:namespace/:name`;

    const info = async (c: AppContext, revisionName: string) => {
      const { ref } = repoRefFromPath(c);
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', ref);
      const revision = await resolveRevision(deps.db, repo, revisionName);
      const files = await listRevisionFiles(deps.db, revision.id);
      return c.json(presentRepoInfo(repo, revision, files, { blobs: isTrue(c.req.query('blobs')) }));
    };
    app.get(base, (c) => info(c, 'main'));
    app.get(`${base}/revision/:revision`, (c) => info(c, repoRefFromPath(c).rest[1] ?? 'main'));

    const tree = async (c: AppContext) => {
      const { ref, rest } = repoRefFromPath(c);
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', ref);
      const revision = await resolveRevision(deps.db, repo, rest[1] ?? 'main');
      const folder = rest.slice(2).filter((s) => s !== '').join('/');
      const entries = buildTree(await listRevisionFiles(deps.db, revision.id), folder, isTrue(c.req.query('recursive')));
      if (!entries) throw notFound('entry_not_found', `No folder ${folder} in ${repo.namespace}/${repo.name} at ${revision.id}.`, { hubCode: 'EntryNotFound', headers: { 'X-Repo-Commit': revision.id } });
      const cursor = Number(c.req.query('cursor') ?? 0);
      const offset = Number.isSafeInteger(cursor) && cursor > 0 ? cursor : 0;
      const page = entries.slice(offset, offset + TREE_PAGE_SIZE);
      if (offset + TREE_PAGE_SIZE < entries.length) {
        c.header('Link', `<${nextPageUrl(c.req.url, deps.config.baseUrl, { cursor: String(offset + TREE_PAGE_SIZE) })}>; rel="next"`);
      }
      c.header('X-Repo-Commit', revision.id);
      return c.json(page);
    };
    app.get(`${base}/tree/:revision`, tree);
    app.get(`${base}/tree/:revision/*`, tree);

    app.post(`${base}/paths-info/:revision`, async (c) => {
      const { ref, rest } = repoRefFromPath(c);
      const contentType = c.req.header('content-type') ?? '';
      const body = contentType.includes('application/json') ? await c.req.json() : await formBody(c, { all: true });
      const input = parseInput(pathsInfoSchema, body);
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', ref);
      const revision = await resolveRevision(deps.db, repo, rest[1] ?? 'main');
      const wanted = new Set(input.paths.map((p) => p.normalize('NFC')));
      const files = await listRevisionFiles(deps.db, revision.id);
      const found = files.filter((f) => wanted.has(f.path)).map((f) => presentPathInfo(f, revision, input.expand));
      const folders = buildTree(files, '', true)!.filter((e) => e.type === 'directory' && wanted.has(e.path));
      return c.json([...found, ...folders]);
    });

    app.get(`${base}/user-access-request/:status`, async (c) => {
      const { ref, rest } = repoRefFromPath(c);
      const { status } = parseInput(z.object({ status: accessStatusSchema }), { status: rest[1] });
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view-access-requests', ref);
      const rows = await listRequests(deps.db, repo, status);
      return c.json(rows.map(({ request, user }) => ({
        user: { user: user.username, fullname: user.displayName, email: user.email },
        status,
        timestamp: request.createdAt.toISOString(),
        fields: request.fields,
        ...(request.rejectionReason ? { rejectionReason: request.rejectionReason } : {}),
      })));
    });

    app.post(`${base}/user-access-request/handle`, async (c) => {
      const { ref } = repoRefFromPath(c);
      const body = await c.req.json();
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.manage-access', ref);
      await handleAccessRequest(deps.db, c.get('actor'), repo, body, auditContextOf(c), deps.clock.now());
      return c.json({ ok: true });
    });

    app.post(`${base}/user-access-request/grant`, async (c) => {
      const { ref } = repoRefFromPath(c);
      const body = await c.req.json();
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.manage-access', ref);
      const { grant, user } = await grantAccess(deps.db, c.get('actor'), repo, body, auditContextOf(c), deps.clock.now());
      return c.json({ ok: true, user: user.username, grantId: grant.id, endsAt: grant.endsAt?.toISOString() ?? null });
    });
  }

  const resolve = (c: AppContext) => serveResolve(c, deps);
  for (const path of ['/:namespace/:name/resolve/*', '/datasets/:namespace/:name/resolve/*', '/models/:namespace/:name/resolve/*']) {
    app.on(['GET', 'HEAD'], path, resolve);
  }
  app.on(['POST', 'PUT', 'DELETE', 'PATCH'], '/:namespace/:name/resolve/*', () => {
    throw new AppError('method_not_allowed', 405, 'Files are read with GET or HEAD. Upload with the Airlock API (airlock upload).');
  });

  return app;
}
