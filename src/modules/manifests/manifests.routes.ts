import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import type { AppContext, AppEnv } from '../../app/context.ts';
import { publishedKeySet } from '../../app/keys.ts';
import { loadRepositoryFor, resolveRevision } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { buildSignedManifest } from './manifests.usecases.ts';
import { personalCopiesFor } from '../fingerprints/fingerprints.usecases.ts';

const repoRef = (c: AppContext, type: RepoType) => ({ type, namespace: c.req.param('namespace') ?? '', name: c.req.param('name') ?? '' });

export function manifestRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  // Public: anyone holding a copy from anywhere (a mirror, a torrent) checks it against these keys.
  app.get('/.well-known/airlock/keys.json', async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await publishedKeySet(deps.config.dataDir, deps.signingKey));
  });

  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    // The file list and hashes are as visible as the tree itself; gating protects the bytes.
    app.get(`/api/${prefix}/:namespace/:name/manifest/:revision`, async (c) => {
      const { repo, facts } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', repoRef(c, type));
      const revision = await resolveRevision(deps.db, repo, c.req.param('revision'));
      // A fingerprinted recipient gets the manifest of their own copies, signed the same way.
      const signed = await buildSignedManifest(deps, repo, revision, await personalCopiesFor(deps, c.get('actor'), repo, facts));
      if (c.req.query('download') !== undefined) {
        c.header('Content-Disposition', `attachment; filename="${repo.namespace}__${repo.name}__${revision.id.slice(0, 12)}.manifest.json"`);
      }
      return c.json(signed);
    });
  }
  return app;
}
