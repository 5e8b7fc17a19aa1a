import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppEnv } from '../../app/context.ts';
import { renderMarkdown } from '../../lib/markdown.ts';
import { authorize } from '../access/access.policies.ts';
import { requestAccess } from '../access/access.usecases.ts';
import { loadRepositoryFor, readRepositoryOverview } from '../repos/repos.usecases.ts';
import { RepositoryPage } from './repository.pages.tsx';
import { loadPageSchedule } from '../stages/stages.pages.tsx';
import { conditionsFor } from '../conditions/conditions.usecases.ts';
import { platformRestriction } from '../moderation/moderation.restriction.ts';
import { findActiveGrant } from '../access/access.repository.ts';
import { gateFor } from './repository.models.ts';
import { loginPath, pageRepoRef, repoPagePath, sendPage } from './web.support.ts';

/**
 * `/{namespace}/{name}` (models) and `/datasets/{namespace}/{name}`. Registered after every other
 * page, because two free path segments would otherwise swallow `/static/…` or `/settings/…`.
 * Names may contain dots (`/alice/gpt2.5`): a segment parameter matches them whole.
 */
export function repositoryPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['/datasets', 'dataset'], ['', 'model']] as const) {
    app.get(`${prefix}/:namespace/:name`, async (c) => {
      const actor = c.get('actor');
      const ref = pageRepoRef(c, type);
      const { repo, facts } = await loadRepositoryFor(deps, actor, 'repo.view', ref);
      const gate = gateFor(authorize(actor, { type: 'repo.download', facts }), facts);
      const overview = await readRepositoryOverview(deps, repo);
      const cardHtml = overview.cardBody === null ? null : renderMarkdown(overview.cardBody, { relativeBase: `${repoPagePath(repo)}/resolve/main/` });
      const canEdit = authorize(actor, { type: 'repo.write', facts }).allowed;
      const canReadAudit = authorize(actor, { type: 'audit.read-repo', role: facts.role, visible: true }).allowed;
      const grant = actor.kind === 'user' ? await findActiveGrant(deps.db, repo.id, actor.user.id, deps.clock.now()) : undefined;
      const conditions = await conditionsFor(deps.db, repo.id, grant?.id ?? null);
      // A moderator's stricter level is a platform condition, shown first like the transparency page does.
      const restriction = await platformRestriction(deps.db, repo.id);
      if (restriction) conditions.unshift(restriction);
      const moderation = {
        canModerate: authorize(actor, { type: 'moderation.block-repo' }).allowed,
        canAppeal: authorize(actor, { type: 'discussion.appeal', facts: { repoPrivate: repo.private, role: facts.role } }).allowed,
      };
      const schedule = await loadPageSchedule(deps, actor, repo, facts, overview.revision.id);
      return sendPage(c, <RepositoryPage actor={actor} repo={repo} overview={overview} gate={gate} cardHtml={cardHtml} baseUrl={deps.config.baseUrl} canEdit={canEdit} conditions={conditions} canReadAudit={canReadAudit} moderation={moderation} schedule={schedule} />);
    });

    // The form behind "Accept the conditions" and "Request access": the same use case as the API.
    app.post(`${prefix}/:namespace/:name/request-access`, async (c) => {
      const actor = c.get('actor');
      const ref = pageRepoRef(c, type);
      if (actor.kind === 'anonymous') return c.redirect(loginPath(repoPagePath(ref)), 303);
      const { repo } = await loadRepositoryFor(deps, actor, 'repo.request-access', ref);
      await requestAccess(deps, actor, repo, {}, auditContextOf(c));
      return c.redirect(repoPagePath(repo), 303);
    });
  }
  return app;
}
