import { jsonBody } from '../../lib/validation.ts';
import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { presentThread, presentThreadSummary } from './discussions.presenters.ts';
import { addComment, appealBlock, discussionFacts, hideThreadComment, listRepoThreads, loadThread, openThread, setLock } from './discussions.usecases.ts';

/** Per-repository discussions over the API. Readable wherever the repository is visible, gated or blocked. */
export function discussionRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    const base = `/api/${prefix}/:namespace/:name`;
    const load = async (c: AppContext) => {
      const ref = { type: type as RepoType, namespace: c.req.param('namespace') ?? '', name: c.req.param('name') ?? '' };
      const { repo, facts } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', ref);
      return { actor: c.get('actor'), repo, facts: discussionFacts(repo, facts) };
    };

    app.get(`${base}/discussions`, async (c) => {
      const { actor, repo, facts } = await load(c);
      const rows = await listRepoThreads(deps, actor, repo, facts);
      return c.json(rows.map((r) => presentThreadSummary(r.thread, r.author)));
    });
    app.post(`${base}/discussions`, async (c) => {
      const body = await jsonBody(c);
      const { actor, repo, facts } = await load(c);
      const thread = await openThread(deps, actor, repo, facts, body, auditContextOf(c));
      return c.json(presentThread(await loadThread(deps, actor, repo, facts, thread.id)), 201);
    });
    app.get(`${base}/discussions/:id`, async (c) => {
      const { actor, repo, facts } = await load(c);
      return c.json(presentThread(await loadThread(deps, actor, repo, facts, c.req.param('id'))));
    });
    app.post(`${base}/discussions/:id/comments`, async (c) => {
      const body = await jsonBody(c);
      const { actor, repo, facts } = await load(c);
      const comment = await addComment(deps, actor, repo, facts, c.req.param('id'), body, auditContextOf(c));
      return c.json({ id: comment.id }, 201);
    });
    app.post(`${base}/discussions/:id/comments/:commentId/hide`, async (c) => {
      const body = await jsonBody(c);
      const { actor, repo, facts } = await load(c);
      await hideThreadComment(deps, actor, repo, facts, c.req.param('id'), c.req.param('commentId'), body, auditContextOf(c));
      return c.json(presentThread(await loadThread(deps, actor, repo, facts, c.req.param('id'))));
    });
    for (const [path, lock] of [['lock', true], ['unlock', false]] as const) {
      app.post(`${base}/discussions/:id/${path}`, async (c) => {
        const body = await jsonBody(c);
        const { actor, repo, facts } = await load(c);
        await setLock(deps, actor, repo, facts, c.req.param('id'), lock, body, auditContextOf(c));
        return c.json(presentThread(await loadThread(deps, actor, repo, facts, c.req.param('id'))));
      });
    }
    // The takedown flow: a publisher appeals against a block, in a thread the moderators see.
    app.post(`${base}/appeal`, async (c) => {
      const body = await jsonBody(c);
      const { actor, repo, facts } = await load(c);
      const thread = await appealBlock(deps, actor, repo, facts, body, auditContextOf(c));
      return c.json(presentThread(await loadThread(deps, actor, repo, facts, thread.id)), 201);
    });
  }
  return app;
}
