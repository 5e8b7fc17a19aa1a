import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppEnv } from '../../app/context.ts';
import { AppError } from '../../lib/errors.ts';
import { authorize } from '../access/access.policies.ts';
import type { Actor } from '../access/actor.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import { ACCESS_LEVELS } from '../repos/repos.tables.ts';
import { Layout } from '../web/layout.tsx';
import { ACCESS_LEVEL_TEXT } from '../web/repository.models.ts';
import { formFields, loginPath, pageRepoRef, repoPagePath, sendPage } from '../web/web.support.ts';
import { listStages } from './stages.repository.ts';
import { saveSchedule } from './stages.usecases.ts';

/** One row of the form, as typed: globs one per line or comma-separated, the embargo as a UTC date. */
interface StageRow { name: string; paths: string; revision: string; accessLevel: string; embargo: string }
const EMPTY_ROWS = 2;

/** The form's rows as the API's schedule, skipping rows without a name. */
export function scheduleFromForm(form: Record<string, string>) {
  const stages = [];
  for (let i = 0; form[`stages.${i}.name`] !== undefined; i++) {
    const name = form[`stages.${i}.name`]!.trim();
    if (!name) continue;
    const paths = (form[`stages.${i}.paths`] ?? '').split(/[\n,]/).map((p) => p.trim()).filter(Boolean);
    const revision = (form[`stages.${i}.revision`] ?? '').trim();
    const embargo = (form[`stages.${i}.embargo`] ?? '').trim();
    stages.push({ name, paths, ...(revision ? { revision } : {}), accessLevel: form[`stages.${i}.accessLevel`] ?? '', ...(embargo ? { embargoUntil: `${embargo}T00:00:00Z` } : {}) });
  }
  return { stages };
}

function SchedulePage({ actor, repoLabel, repoPath, rows, canChange, error, notice }: { actor: Actor; repoLabel: string; repoPath: string; rows: StageRow[]; canChange: boolean; error?: { message: string; field?: string }; notice?: string }) {
  const path = `${repoPath}/settings/stages`;
  const all = canChange ? [...rows, ...Array.from({ length: EMPTY_ROWS }, () => ({ name: '', paths: '', revision: '', accessLevel: 'reviewed', embargo: '' }))] : rows;
  return (
    <Layout title={`Release schedule · ${repoLabel}`} actor={actor} path={path}>
      <p><a href={repoPath}>{repoLabel}</a> › Settings</p>
      <h1>Release schedule</h1>
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      {error ? <p class="error" role="alert" data-field={error.field}>{error.message}</p> : null}
      <p>
        Each stage names files (globs from the repository root, such as <code>full/**</code>) or a revision, the level they are
        released at, and optionally an embargo date (UTC) before which only the publisher can download them. The first stage that
        names a file decides it; other files follow the repository's own level. Leave a name empty to drop a stage.
      </p>
      <form method="post" action={path}>
        <table class="schedule-form">
          <thead><tr><th>Stage</th><th>Files (globs)</th><th>or revision</th><th>Level</th><th>Embargo until</th></tr></thead>
          <tbody>
            {all.map((row, i) => (
              <tr>
                <td><input name={`stages.${i}.name`} value={row.name} disabled={!canChange} aria-label={`Stage ${i + 1} name`} /></td>
                <td><textarea name={`stages.${i}.paths`} rows={2} disabled={!canChange} aria-label={`Stage ${i + 1} files`}>{row.paths}</textarea></td>
                <td><input name={`stages.${i}.revision`} value={row.revision} disabled={!canChange} aria-label={`Stage ${i + 1} revision`} /></td>
                <td>
                  <select name={`stages.${i}.accessLevel`} disabled={!canChange} aria-label={`Stage ${i + 1} level`}>
                    {ACCESS_LEVELS.map((level) => <option value={level} selected={row.accessLevel === level}>{ACCESS_LEVEL_TEXT[level].label}</option>)}
                  </select>
                </td>
                <td><input type="date" name={`stages.${i}.embargo`} value={row.embargo} disabled={!canChange} aria-label={`Stage ${i + 1} embargo`} /></td>
              </tr>
            ))}
          </tbody>
        </table>
        {canChange ? <button type="submit">Save the schedule</button> : null}
      </form>
    </Layout>
  );
}

/** `/{owner}/{name}/settings/stages` (and `/datasets/…`): the schedule in the browser, through the API's use case. */
export function stagePageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  for (const [prefix, type] of [['', 'model'], ['/datasets', 'dataset']] as const) {
    const path = `${prefix}/:namespace/:name/settings/stages`;

    app.get(path, async (c) => {
      const actor = c.get('actor');
      const { repo, facts } = await loadRepositoryFor(deps, actor, 'repo.view', pageRepoRef(c, type));
      const rows = (await listStages(deps.db, repo.id)).map((s) => ({ name: s.name, paths: s.paths.join('\n'), revision: s.revision ?? '', accessLevel: s.accessLevel, embargo: s.embargoUntil?.toISOString().slice(0, 10) ?? '' }));
      const notice = c.req.query('saved') !== undefined ? 'The schedule is saved.' : undefined;
      return sendPage(c, <SchedulePage actor={actor} repoLabel={`${repo.namespace}/${repo.name}`} repoPath={repoPagePath(repo)} rows={rows} canChange={authorize(actor, { type: 'repo.manage-access', facts }).allowed} notice={notice} />);
    });

    app.post(path, async (c) => {
      const actor = c.get('actor');
      const ref = pageRepoRef(c, type);
      if (actor.kind === 'anonymous') return c.redirect(loginPath(`${repoPagePath(ref)}/settings/stages`), 303);
      const form = await formFields(c);
      const { repo } = await loadRepositoryFor(deps, actor, 'repo.manage-access', ref);
      try {
        await saveSchedule(deps, actor, repo, scheduleFromForm(form), auditContextOf(c));
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        const rows: StageRow[] = [];
        for (let i = 0; form[`stages.${i}.name`] !== undefined; i++) {
          if (!form[`stages.${i}.name`]!.trim()) continue;
          rows.push({ name: form[`stages.${i}.name`]!, paths: form[`stages.${i}.paths`] ?? '', revision: form[`stages.${i}.revision`] ?? '', accessLevel: form[`stages.${i}.accessLevel`] ?? '', embargo: form[`stages.${i}.embargo`] ?? '' });
        }
        return sendPage(c, <SchedulePage actor={actor} repoLabel={`${repo.namespace}/${repo.name}`} repoPath={repoPagePath(repo)} rows={rows} canChange error={{ message: error.message, field: error.field }} />, error.status);
      }
      return c.redirect(`${repoPagePath(repo)}/settings/stages?saved`, 303);
    });
  }
  return app;
}
