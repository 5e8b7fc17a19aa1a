import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { AppError } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { listRefs } from './repos.repository.ts';
import { commitToRepository, createRepository, listVisibleRepositories, loadRepositoryFor, storeUpload, tagRevision, updateRepositorySettings } from './repos.usecases.ts';
import type { RepoType } from './repos.tables.ts';
import { gatedValue } from '../hub/hub.presenters.ts';

const repoRef = (c: AppContext, type: RepoType) => ({ type, namespace: c.req.param('namespace') ?? '', name: c.req.param('name') ?? '' });

export const listQuerySchema = z.object({
  search: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export function repoRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.post('/api/repos', async (c) => {
    const repo = await createRepository(deps, c.get('actor'), await c.req.json(), auditContextOf(c));
    const prefix = repo.type === 'dataset' ? 'datasets/' : '';
    return c.json({ id: `${repo.namespace}/${repo.name}`, type: repo.type, private: repo.private, accessLevel: repo.accessLevel, url: `${deps.config.baseUrl}/${prefix}${repo.namespace}/${repo.name}` }, 201);
  });

  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    const base = `/api/${prefix}/:namespace/:name`;

    // The catalogue, as the Hub's list_models/list_datasets. Every row passes the same policy as a direct read.
    app.get(`/api/${prefix}`, async (c) => {
      const query = parseInput(listQuerySchema, c.req.query());
      const visible = await listVisibleRepositories(deps, c.get('actor'), { ...query, type });
      return c.json(visible.map((r) => ({ _id: r.id, id: `${r.namespace}/${r.name}`, author: r.namespace, private: r.private, gated: gatedValue(r), disabled: r.blockedAt !== null, accessLevel: r.accessLevel, lastModified: r.updatedAt.toISOString(), createdAt: r.createdAt.toISOString() })));
    });

    app.get(`${base}/refs`, async (c) => {
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', repoRef(c, type));
      const refs = await listRefs(deps.db, repo.id);
      const present = (kind: 'branch' | 'tag') => refs.filter((r) => r.kind === kind).map((r) => ({ name: r.name, ref: `refs/${kind === 'branch' ? 'heads' : 'tags'}/${r.name}`, targetCommit: r.revisionId }));
      return c.json({ branches: present('branch'), tags: present('tag'), converts: [] });
    });

    app.patch(`${base}/settings`, async (c) => {
      const body = await c.req.json();
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.write', repoRef(c, type));
      await updateRepositorySettings(deps, c.get('actor'), repo, body, auditContextOf(c));
      return c.json({ ok: true });
    });

    /**
     * Uploads one file's bytes, streamed to disk and hashed; returns its sha256 for a later commit.
     * The blob is unreferenced until a commit names it.
     */
    app.put(`${base}/upload`, async (c) => {
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.write', repoRef(c, type));
      const incoming: Readable | undefined = c.env?.incoming;
      const lengthHeader = c.req.header('content-length');
      const expectedSize = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
      const body = incoming ?? (c.req.raw.body ? Readable.fromWeb(c.req.raw.body as never) : Readable.from([]));
      const blob = await storeUpload(deps, c.get('actor'), repo, body, expectedSize);
      return c.json(blob, 201);
    });

    app.post(`${base}/commit/:branch`, async (c) => {
      if (!(c.req.header('content-type') ?? '').includes('application/json')) {
        throw new AppError('unsupported_media_type', 415, 'Send the commit as JSON: {"message", "operations":[{"op":"add","path","sha256"}]}. The Hub\'s NDJSON commit format is not supported; use `airlock upload`.');
      }
      const body = (await c.req.json()) as Record<string, unknown>;
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.write', repoRef(c, type));
      // The router has decoded the branch already (`feature%2Fx` is `feature/x`); decoding it again would turn `%25` into a crash.
      const revision = await commitToRepository(deps, c.get('actor'), repo, { ...body, branch: c.req.param('branch') } as never, auditContextOf(c));
      return c.json({ commitOid: revision.id, commitUrl: `${deps.config.baseUrl}/${prefix === 'datasets' ? 'datasets/' : ''}${repo.namespace}/${repo.name}/commit/${revision.id}`, fileCount: revision.fileCount }, 201);
    });

    app.post(`${base}/tags`, async (c) => {
      const body = await c.req.json();
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.write', repoRef(c, type));
      return c.json(await tagRevision(deps, c.get('actor'), repo, body, auditContextOf(c)), 201);
    });
  }
  return app;
}
