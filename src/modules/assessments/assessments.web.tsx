import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { parseInput } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { FormState } from '../web/form.tsx';
import { formFields, isFormError, loginPath, pageRepoRef, repoPagePath, sendPage } from '../web/web.support.ts';
import { draftToForm, formToDraft } from './assessments.form.ts';
import { AssessmentPage, AssessmentQueuePage, stageQuery } from './assessments.pages.tsx';
import { stageQuerySchema } from './assessments.schemas.ts';
import { listStages } from '../stages/stages.repository.ts';
import { listAssessedStages, listWaiting } from './assessments.repository.ts';
import type { AssessmentFacts } from './assessments.policies.ts';
import { decideAssessment, ensureAssessmentAllowed, loadAssessmentFacts, loadAssessments, saveDraft, submitAssessment } from './assessments.usecases.ts';

const versionParam = z.object({ version: z.coerce.number().int().min(1) });
const stageOf = (c: AppContext) => parseInput(stageQuerySchema, { stage: c.req.query('stage') }).stage ?? null;
const withDone = (stage: string | null, done: string) => `${stageQuery(stage) || '?'}${stage === null ? '' : '&'}done=${done}`;

/** The stage names the page links to: those of the schedule, and any already assessed. */
async function assessableStages(deps: AppDeps, repo: RepositoryRow) {
  const scheduled = (await listStages(deps.db, repo.id)).map((s) => s.name);
  const assessed = await listAssessedStages(deps.db, repo.id);
  return [...new Set([...scheduled, ...assessed])];
}

const NOTICES: Record<string, string> = { saved: 'Draft saved.', submitted: 'Submitted. A platform release reviewer will decide it.', decided: 'Decision recorded.' };

/** The assessment page: the publisher's form, the versions, and the release reviewer's decision. */
export function assessmentPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['/datasets', 'dataset'], ['', 'model']] as const) {
    const base = `${prefix}/:namespace/:name/assessment`;

    const load = async (c: AppContext, typeOf: RepoType) => {
      const { repo } = await loadRepositoryFor(deps, c.get('actor'), 'repo.view', pageRepoRef(c, typeOf));
      return { repo, facts: await loadAssessmentFacts(deps, c.get('actor'), repo) };
    };

    const page = async (c: AppContext, repo: RepositoryRow, facts: AssessmentFacts, extra: { state?: FormState; decisionState?: FormState; notice?: string } = {}, status = 200) => {
      const actor = c.get('actor');
      const stage = stageOf(c);
      const { versions, draft, names } = await loadAssessments(deps, repo, stage);
      const stages = await assessableStages(deps, repo);
      const can = (t: 'assessment.edit' | 'assessment.read-full' | 'assessment.decide') => authorize(actor, { type: t, facts }).allowed;
      return sendPage(c, <AssessmentPage actor={actor} repo={repo} versions={versions} draft={draft} names={names} canEdit={can('assessment.edit')} canReadFull={can('assessment.read-full')} canDecide={can('assessment.decide')} stage={stage} stages={stages} {...extra} />, status);
    };

    app.get(base, async (c) => {
      const { repo, facts } = await load(c, type);
      return page(c, repo, facts, { notice: NOTICES[c.req.query('done') ?? ''] });
    });

    app.post(base, async (c) => {
      if (c.get('actor').kind === 'anonymous') return c.redirect(loginPath(`${repoPagePath(pageRepoRef(c, type))}/assessment`), 303);
      const { repo, facts } = await load(c, type);
      const actor = c.get('actor');
      ensureAssessmentAllowed(actor, { type: 'assessment.edit', facts });
      const form = await formFields(c);
      const draft = formToDraft(form);
      const stage = stageOf(c);
      try {
        await saveDraft(deps, actor, repo, draft, stage);
        if (form.intent === 'submit') await submitAssessment(deps, actor, repo, auditContextOf(c), stage);
      } catch (error) {
        if (!isFormError(error)) throw error;
        // Show what was typed again, numbered as the error's field names it.
        const values = draftToForm(draft);
        return page(c, repo, facts, { state: { values, error } }, error.status);
      }
      return c.redirect(`${repoPagePath(repo)}/assessment${withDone(stage, form.intent === 'submit' ? 'submitted' : 'saved')}`, 303);
    });

    app.post(`${base}/versions/:version/decision`, async (c) => {
      if (c.get('actor').kind === 'anonymous') return c.redirect(loginPath(`${repoPagePath(pageRepoRef(c, type))}/assessment`), 303);
      const { version } = parseInput(versionParam, { version: c.req.param('version') });
      const { repo, facts } = await load(c, type);
      const actor = c.get('actor');
      ensureAssessmentAllowed(actor, { type: 'assessment.decide', facts });
      const form = await formFields(c);
      const stage = stageOf(c);
      try {
        await decideAssessment(deps, actor, repo, version, { decision: form.decision, rationale: form.rationale, requiredLevel: form.requiredLevel || undefined }, auditContextOf(c), stage);
      } catch (error) {
        if (!isFormError(error)) throw error;
        return page(c, repo, facts, { decisionState: { values: form, error } }, error.status);
      }
      return c.redirect(`${repoPagePath(repo)}/assessment${withDone(stageOf(c), 'decided')}`, 303);
    });
  }
  return app;
}

/**
 * `/staff/assessments`, the release reviewers' queue. Mounted before the web routes, whose
 * `/{namespace}/{name}` repository pages would otherwise take the path.
 */
export function assessmentStaffPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/staff/assessments', async (c) => {
    const actor = c.get('actor');
    if (actor.kind === 'anonymous') return c.redirect(loginPath('/staff/assessments'), 303);
    ensureAssessmentAllowed(actor, { type: 'assessment.queue' });
    const rows = await listWaiting(deps.db);
    const items = rows.map(({ assessment, repo }) => ({ repo, stage: assessment.stage, version: assessment.version!, arguedLevel: assessment.content.accessLevel ?? null, submittedAt: assessment.submittedAt }));
    return sendPage(c, <AssessmentQueuePage actor={actor} items={items} />);
  });
  return app;
}
