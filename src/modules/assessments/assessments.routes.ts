import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext, type AppEnv } from '../../app/context.ts';
import { parseInput, parseJsonText } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { presentDraft, presentVersion } from './assessments.presenters.ts';
import { stageQuerySchema } from './assessments.schemas.ts';
import { listWaiting } from './assessments.repository.ts';
import { decideAssessment, ensureAssessmentAllowed, loadAssessmentFacts, loadAssessments, saveDraft, submitAssessment } from './assessments.usecases.ts';
import { loadTransparency } from './transparency.usecases.ts';

const repoRef = (c: AppContext, type: RepoType) => ({ type, namespace: c.req.param('namespace') ?? '', name: c.req.param('name') ?? '' });
const versionParam = z.object({ version: z.coerce.number().int('must be a version number').min(1, 'must be a version number') });
/** The release stage named by `?stage=`, or null for the repository's own assessment. */
const stageOf = (c: AppContext) => parseInput(stageQuerySchema, { stage: c.req.query('stage') }).stage ?? null;
const pagePath = (repo: { type: RepoType; namespace: string; name: string }, baseUrl: string) => `${baseUrl}/${repo.type === 'dataset' ? 'datasets/' : ''}${repo.namespace}/${repo.name}`;

/** Risk–benefit assessments and the transparency report, over the API. */
export function assessmentRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  /** The repository (404 if invisible) and the caller's standing for the assessment policy. */
  const load = async (c: AppContext, type: RepoType) => {
    const actor = c.get('actor');
    const { repo } = await loadRepositoryFor(deps, actor, 'repo.view', repoRef(c, type));
    return { actor, repo, facts: await loadAssessmentFacts(deps, actor, repo) };
  };

  for (const [prefix, type] of [['models', 'model'], ['datasets', 'dataset']] as const) {
    const base = `/api/${prefix}/:namespace/:name`;

    app.get(`${base}/assessment`, async (c) => {
      const stage = stageOf(c);
      const { actor, repo, facts } = await load(c, type);
      const full = authorize(actor, { type: 'assessment.read-full', facts }).allowed;
      const { versions, draft, names } = await loadAssessments(deps, repo, stage);
      return c.json({ stage, versions: versions.map((v) => presentVersion(v, names, full)), ...(full ? { draft: presentDraft(draft) } : {}) });
    });

    app.put(`${base}/assessment/draft`, async (c) => {
      const body = await c.req.json();
      const stage = stageOf(c);
      const { actor, repo, facts } = await load(c, type);
      ensureAssessmentAllowed(actor, { type: 'assessment.edit', facts });
      return c.json(presentDraft(await saveDraft(deps, actor, repo, body, stage)));
    });

    // With a body, the body becomes the draft first: one call for scripts that do not keep drafts.
    app.post(`${base}/assessment/submit`, async (c) => {
      const text = await c.req.text();
      const body = text.trim() === '' ? undefined : parseJsonText(text);
      const stage = stageOf(c);
      const { actor, repo, facts } = await load(c, type);
      ensureAssessmentAllowed(actor, { type: 'assessment.edit', facts });
      if (body !== undefined) await saveDraft(deps, actor, repo, body, stage);
      const submitted = await submitAssessment(deps, actor, repo, auditContextOf(c), stage);
      const { names } = await loadAssessments(deps, repo, stage);
      return c.json(presentVersion(submitted, names, true), 201);
    });

    app.post(`${base}/assessment/versions/:version/decision`, async (c) => {
      const body = await c.req.json();
      const { version } = parseInput(versionParam, { version: c.req.param('version') });
      const stage = stageOf(c);
      const { actor, repo, facts } = await load(c, type);
      ensureAssessmentAllowed(actor, { type: 'assessment.decide', facts });
      const { assessment, levelChanged } = await decideAssessment(deps, actor, repo, version, body, auditContextOf(c), stage);
      const { names } = await loadAssessments(deps, repo, stage);
      return c.json({ ...presentVersion(assessment, names, true), levelChanged });
    });

    app.get(`${base}/transparency`, async (c) => {
      const { repo } = await load(c, type);
      return c.json(await loadTransparency(deps, repo, pagePath(repo, deps.config.baseUrl)));
    });
  }

  app.get('/api/assessments/queue', async (c) => {
    const actor = c.get('actor');
    ensureAssessmentAllowed(actor, { type: 'assessment.queue' });
    const rows = await listWaiting(deps.db);
    return c.json(rows.map(({ assessment, repo }) => ({
      repository: { type: repo.type, id: `${repo.namespace}/${repo.name}`, accessLevel: repo.accessLevel },
      stage: assessment.stage, version: assessment.version, accessLevel: assessment.content.accessLevel ?? null, submittedAt: assessment.submittedAt?.toISOString() ?? null,
      url: `${pagePath(repo, deps.config.baseUrl)}/assessment${assessment.stage !== null ? `?stage=${encodeURIComponent(assessment.stage)}` : ''}`,
    })));
  });
  return app;
}
