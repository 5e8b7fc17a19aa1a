import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import type { Actor } from '../access/actor.ts';
import { conditionLines } from '../conditions/conditions.models.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { FormState } from '../web/form.tsx';
import { isFormError, loginPath, pageRepoRef, repoPagePath, sendPage } from '../web/web.support.ts';
import { presentPolicy } from './applications.presenters.ts';
import { AccessSettingsPage } from './applications.settings.pages.tsx';
import { addReviewer, loadReviewers, readAccessPolicy, removeReviewer, saveAccessPolicy } from './applications.settings.usecases.ts';
import type { EffectivePolicy } from './applications.usecases.ts';
import { blame, echo, postedForm } from './applications.web.tsx';
import { revokeGrant } from './grants.usecases.ts';
import { findRepositoryAgreement, publishRepositoryAgreement } from '../agreements/agreements.usecases.ts';

type UserActor = Actor & { kind: 'user' };
const str = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] ?? '' : v ?? '');

/** The policy as the API takes it, so the page and `PUT …/access-policy` share one use case and its checks. */
const policyInput = (p: EffectivePolicy) => ({ ...p });

/** The publisher's access settings page: policy editor, form designer, committee, revocation. */
export function applicationSettingsPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['/datasets', 'dataset'], ['', 'model']] as const) {
    const base = `${prefix}/:namespace/:name/settings/access`;
    const load = async (c: AppContext) => (await loadRepositoryFor(deps, c.get('actor'), 'repo.manage-access', pageRepoRef(c, type))).repo;

    async function page(c: AppContext, repo: RepositoryRow, state: FormState = {}, section?: string, notice?: string) {
      const policy = presentPolicy(repo, await readAccessPolicy(deps, repo));
      const reviewers = await loadReviewers(deps, repo);
      const current = await findRepositoryAgreement(deps, repo);
      const agreement = current ? { title: current.agreement.title, version: current.version.version, text: current.version.text } : null;
      return sendPage(c, <AccessSettingsPage actor={c.get('actor')} repo={repo} policy={policy} reviewers={reviewers} agreement={agreement} state={state} section={section} notice={notice} />, state.error?.status ?? 200);
    }

    app.get(base, async (c) => {
      if (c.get('actor').kind !== 'user') return c.redirect(loginPath(`${repoPagePath(pageRepoRef(c, type))}/settings/access`), 303);
      return page(c, await load(c), {}, undefined, c.req.query('saved') ? 'Saved.' : undefined);
    });

    const action = (path: string, section: string, act: (actor: UserActor, repo: RepositoryRow, form: Record<string, string | string[]>, c: AppContext) => Promise<unknown>, rename: (f: string) => string = (f) => f) => {
      app.post(`${base}${path}`, async (c) => {
        if (c.get('actor').kind !== 'user') return c.redirect(loginPath(`${repoPagePath(pageRepoRef(c, type))}/settings/access`), 303);
        const form = await postedForm(c);
        const repo = await load(c);
        try {
          await act(c.get('actor') as UserActor, repo, form, c);
        } catch (error) {
          if (!isFormError(error) || error.status === 401 || error.status === 403) throw error;
          return page(c, repo, { values: echo(form), error: blame(error, rename) }, section);
        }
        return c.redirect(`${repoPagePath(repo)}/settings/access?saved=1`, 303);
      });
    };

    action('', 'policy', async (actor, repo, form, c) => {
      const current = (await readAccessPolicy(deps, repo)).policy;
      const rule = str(form.rule) === 'committee' ? { kind: 'committee', required: Number(str(form.required) || '1'), veto: str(form.veto) === 'yes' } : { kind: 'single' };
      const number = (v: string) => (v.trim() === '' ? null : Number(v));
      await saveAccessPolicy(deps, actor, repo, {
        ...policyInput(current),
        requiresCredential: str(form.requiresCredential) === 'yes',
        requiredTrainings: str(form.requiredTrainings).split(',').map((s) => s.trim()).filter(Boolean),
        minStatementLength: number(str(form.minStatementLength)) ?? 0,
        grantDurationDays: number(str(form.grantDurationDays)),
        decisionRule: rule,
        conditions: conditionLines(str(form.conditions)),
      }, auditContextOf(c));
    }, (f) => (f.startsWith('conditions.') ? 'conditions' : f.startsWith('requiredTrainings') ? 'requiredTrainings' : f === 'decisionRule.required' ? 'required' : f));

    action('/fields', 'field', async (actor, repo, form, c) => {
      const current = (await readAccessPolicy(deps, repo)).policy;
      const options = str(form['field.options']).split(',').map((s) => s.trim()).filter(Boolean);
      const field = {
        name: str(form['field.name']), label: str(form['field.label']), type: str(form['field.type']) || undefined, required: str(form['field.optional']) !== 'yes',
        ...(options.length ? { options } : {}), ...(str(form['field.help']) ? { help: str(form['field.help']) } : {}),
      };
      await saveAccessPolicy(deps, actor, repo, { ...policyInput(current), formFields: [...(current.formFields ?? []), field] }, auditContextOf(c));
    }, (f) => f.replace(/^formFields\.\d+\./, 'field.'));

    app.post(`${base}/fields/:field/remove`, async (c) => {
      const repo = await load(c);
      const current = (await readAccessPolicy(deps, repo)).policy;
      const remaining = (current.formFields ?? []).filter((f) => f.name !== c.req.param('field'));
      await saveAccessPolicy(deps, c.get('actor') as UserActor, repo, { ...policyInput(current), formFields: remaining.length ? remaining : null }, auditContextOf(c));
      return c.redirect(`${repoPagePath(repo)}/settings/access?saved=1`, 303);
    });

    // A changed text becomes a new version, which every holder must sign before downloading again (as `PUT …/agreement`).
    action('/agreement', 'agreement', (actor, repo, form, c) => publishRepositoryAgreement(deps, actor, repo, { title: str(form.title), text: str(form.text) }, auditContextOf(c)));

    action('/reviewers', 'reviewer', (actor, repo, form, c) => addReviewer(deps, actor, repo, str(form.username).trim(), auditContextOf(c)));
    app.post(`${base}/reviewers/:username/remove`, async (c) => {
      const repo = await load(c);
      await removeReviewer(deps, c.get('actor') as UserActor, repo, c.req.param('username'), auditContextOf(c));
      return c.redirect(`${repoPagePath(repo)}/settings/access?saved=1`, 303);
    });

    action('/revoke', 'revoke', (actor, repo, form, c) => revokeGrant(deps, actor, repo, { user: str(form.user), reason: str(form.reason) || undefined, blockReapplication: str(form.blockReapplication) === 'yes' }, auditContextOf(c)));
  }
  return app;
}
