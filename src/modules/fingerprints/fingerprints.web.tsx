import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppEnv } from '../../app/context.ts';
import { authorize } from '../access/access.policies.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import { formFields, loginPath, pageRepoRef, repoPagePath, sendPage } from '../web/web.support.ts';
import { FingerprintingPage } from './fingerprints.pages.tsx';
import { readFingerprinting, setFingerprinting } from './fingerprints.usecases.ts';

/** `/{owner}/{name}/settings/fingerprinting` (and `/datasets/…`): the setting in the browser. */
export function fingerprintPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['', 'model'], ['/datasets', 'dataset']] as const) {
    const path = `${prefix}/:namespace/:name/settings/fingerprinting`;

    app.get(path, async (c) => {
      const actor = c.get('actor');
      const { repo, facts } = await loadRepositoryFor(deps, actor, 'repo.view', pageRepoRef(c, type));
      const { enabled } = await readFingerprinting(deps, repo);
      const notice = c.req.query('saved') !== undefined ? `Fingerprinting is now ${enabled ? 'on' : 'off'}.` : undefined;
      return sendPage(c, <FingerprintingPage actor={actor} repoLabel={`${repo.namespace}/${repo.name}`} repoPath={repoPagePath(repo)} enabled={enabled} canChange={authorize(actor, { type: 'repo.write', facts }).allowed} notice={notice} />);
    });

    app.post(path, async (c) => {
      const actor = c.get('actor');
      const ref = pageRepoRef(c, type);
      if (actor.kind === 'anonymous') return c.redirect(loginPath(`${repoPagePath(ref)}/settings/fingerprinting`), 303);
      const form = await formFields(c);
      const { repo } = await loadRepositoryFor(deps, actor, 'repo.write', ref);
      await setFingerprinting(deps, actor, repo, { enabled: form.enabled === 'true' }, auditContextOf(c));
      return c.redirect(`${repoPagePath(repo)}/settings/fingerprinting?saved`, 303);
    });
  }
  return app;
}
