import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { AppError } from '../../lib/errors.ts';
import { authorize } from '../access/access.policies.ts';
import type { Actor } from '../access/actor.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { listMySignatures, loadRepositoryAgreement, publishRepositoryAgreement, signAgreement } from './agreements.usecases.ts';
import type { AgreementRow, AgreementVersionRow } from './agreements.repository.ts';

const repoRef = (c: AppContext, type: RepoType) => ({ type, namespace: c.req.param('namespace') ?? '', name: c.req.param('name') ?? '' });

const present = (agreement: AgreementRow, version: AgreementVersionRow) => ({
  id: agreement.id, title: agreement.title, scope: agreement.scope,
  version: version.version, text: version.text, textSha256: version.textSha256, publishedAt: version.createdAt.toISOString(),
});

/** The signed-in user, when the policy lets them sign or list their own signatures. */
export function signer(actor: Actor, mutating: boolean) {
  const decision = authorize(actor, { type: mutating ? 'self.sign' : 'self.read' });
  if (decision.allowed && actor.kind === 'user') return actor.user;
  if (decision.allowed === false && decision.reason === 'insufficient-scope') throw new AppError('insufficient_scope', 403, 'This token is read-only. Sign with a write token or in the browser.');
  if (decision.allowed === false && decision.reason === 'user-blocked') throw new AppError('user_blocked', 403, 'Your account is blocked. Contact the platform administrators.');
  throw new AppError('authentication_required', 401, 'Sign in, or pass a token, to sign agreements and see your signatures.');
}

export function agreementRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    const base = `/api/${prefix}/:namespace/:name/agreement`;
    app.get(base, async (c) => {
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', repoRef(c, type));
      const { agreement, version } = await loadRepositoryAgreement(deps, repo);
      return c.json(present(agreement, version));
    });
    app.put(base, async (c) => {
      const body = await c.req.json();
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.manage-access', repoRef(c, type));
      const { agreement, version, changed } = await publishRepositoryAgreement(deps, c.get('actor'), repo, body, auditContextOf(c));
      return c.json({ ...present(agreement, version), changed }, changed ? 201 : 200);
    });
  }
  app.post('/api/agreements/:id/signatures', async (c) => {
    const user = signer(c.get('actor'), true);
    const { signature, created } = await signAgreement(deps, user, c.req.param('id'), await c.req.json(), auditContextOf(c));
    return c.json({ id: signature.id, agreementId: signature.agreementId, version: signature.version, textSha256: signature.textSha256, signedName: signature.signedName, signedAt: signature.signedAt.toISOString() }, created ? 201 : 200);
  });
  app.get('/api/me/signatures', async (c) => {
    const user = signer(c.get('actor'), false);
    const rows = await listMySignatures(deps, user.id);
    return c.json(rows.map(({ signature, agreement, repo }) => ({
      agreement: { id: agreement.id, title: agreement.title, scope: agreement.scope },
      repository: repo?.namespace ? { type: repo.type, id: `${repo.namespace}/${repo.name}` } : null,
      version: signature.version, textSha256: signature.textSha256, signedName: signature.signedName, signedAt: signature.signedAt.toISOString(), ip: signature.ip,
    })));
  });
  return app;
}
