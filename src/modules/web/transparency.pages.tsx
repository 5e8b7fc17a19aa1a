import type { Actor } from '../access/actor.ts';
import { STATUS_TEXT } from '../assessments/assessments.pages.tsx';
import type { Transparency } from '../assessments/transparency.usecases.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import type { AccessLevel } from '../repos/repos.tables.ts';
import { Layout } from './layout.tsx';
import { ACCESS_LEVEL_TEXT } from './repository.models.ts';
import { formatDateTime, repoPagePath } from './web.support.ts';

const level = (l: AccessLevel | null) => (l ? ACCESS_LEVEL_TEXT[l]?.label ?? l : '–');
const when = (iso: string | null) => (iso ? <time datetime={iso}>{formatDateTime(new Date(iso))}</time> : '–');

/** The public account of how a repository is released: level, review, numbers, blocks. */
export function TransparencyPage({ actor, repo, report }: { actor: Actor; repo: RepositoryRow; report: Transparency }) {
  const path = repoPagePath(repo);
  const { assessment, applications } = report;
  return (
    <Layout title={`Transparency · ${repo.namespace}/${repo.name}`} actor={actor} path={`${path}/transparency`}>
      <header class="repo-header">
        <p class="kind"><a href={path}>{repo.namespace}/{repo.name}</a></p>
        <h1>Transparency report</h1>
        <p class="badges"><span class={`badge ${repo.accessLevel}`}>{level(repo.accessLevel)}</span>{report.block ? <span class="badge blocked">Blocked</span> : null}</p>
      </header>
      <p class="muted">Also as JSON: <code>{`GET /api/${repo.type === 'dataset' ? 'datasets' : 'models'}/${repo.namespace}/${repo.name}/transparency`}</code> · <a href={`${path}/card/history`}>Card history</a> · <a href={`${path}/assessment`}>Assessment</a></p>

      {report.block ? (
        <section class="notice error" data-testid="block">
          <p><strong>Blocked by the platform</strong> ({report.block.by ?? 'a moderator'}, {when(report.block.at)}). Reason: {report.block.reason ?? 'not given'}</p>
        </section>
      ) : null}

      <section data-testid="assessment-summary">
        <h2>Risk–benefit assessment</h2>
        {assessment ? (
          <>
            <p>Version {assessment.version}: <strong>{STATUS_TEXT[assessment.status]}</strong>. The publisher argued for <strong>{level(assessment.accessLevel)}</strong>{assessment.requiredLevel ? <>; the release reviewer required <strong>{level(assessment.requiredLevel)}</strong></> : null}.</p>
            <h3>Public summary</h3>
            <p class="prewrap" data-testid="public-summary">{assessment.publicSummary}</p>
            <h3>Reviewer's rationale</h3>
            <p class="prewrap" data-testid="rationale">{assessment.rationale}</p>
            <p class="muted">Decided by {assessment.decidedBy ?? 'a release reviewer'} on {when(assessment.decidedAt)}.</p>
          </>
        ) : <p class="muted">No assessment has been decided by a release reviewer yet.</p>}
        {report.assessmentVersions.length > 0 ? (
          <table data-testid="assessment-history">
            <thead><tr><th>Version</th><th>Status</th><th>Level argued</th><th>Submitted</th><th>Decided</th></tr></thead>
            <tbody>
              {report.assessmentVersions.map((v) => (
                <tr><td>{v.version}</td><td>{STATUS_TEXT[v.status]}</td><td>{level(v.accessLevel)}</td><td>{when(v.submittedAt)} {v.submittedBy ?? ''}</td><td>{v.decision ? <>{when(v.decision.at)} {v.decision.by ?? ''}</> : '–'}</td></tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>

      {report.stageAssessments.length > 0 ? (
        <section data-testid="stage-assessments">
          <h2>Release stages assessed on their own</h2>
          {report.stageAssessments.map((s) => (
            <>
              <h3>Stage “{s.stage}”</h3>
              {s.decided ? (
                <>
                  <p>Version {s.decided.version}: <strong>{STATUS_TEXT[s.decided.status]}</strong>. The publisher argued for <strong>{level(s.decided.accessLevel)}</strong>{s.requiredLevel ? <>; the release reviewer required <strong>{level(s.requiredLevel)}</strong></> : null}.</p>
                  <p class="prewrap">{s.decided.publicSummary}</p>
                  <p class="prewrap"><em>Reviewer's rationale:</em> {s.decided.rationale}</p>
                </>
              ) : <p class="muted">Submitted ({s.versions.length} version{s.versions.length === 1 ? '' : 's'}), not yet decided by a release reviewer.</p>}
            </>
          ))}
        </section>
      ) : null}

      <section data-testid="conditions">
        <h2>Conditions</h2>
        {report.conditions.length === 0 ? <p class="muted">No conditions.</p> : report.conditions.map((g) => (
          <>
            <h3 data-source={g.source}>{g.heading}</h3>
            <ul>{g.conditions.map((text) => <li>{text}</li>)}</ul>
          </>
        ))}
      </section>

      <section>
        <h2>Access level history</h2>
        {report.accessLevelHistory.length === 0 ? <p class="muted">No record.</p> : (
          <table data-testid="level-history">
            <thead><tr><th>When</th><th>From</th><th>To</th><th>By</th><th>Source</th></tr></thead>
            <tbody>{report.accessLevelHistory.map((h) => <tr><td>{when(h.at)}</td><td>{level(h.from)}</td><td>{level(h.to)}</td><td>{h.by ?? '–'}</td><td>{h.source}</td></tr>)}</tbody>
          </table>
        )}
      </section>

      <section>
        <h2>Access in numbers</h2>
        <dl class="facts" data-testid="numbers">
          <dt>Applications received</dt><dd>{applications.received}</dd>
          <dt>Approved</dt><dd>{applications.approved}</dd>
          <dt>Rejected</dt><dd>{applications.rejected}</dd>
          <dt>Pending</dt><dd>{applications.pending}</dd>
          <dt>Median decision time</dt><dd>{applications.medianDecisionHours === null ? '–' : `${applications.medianDecisionHours} hours`}</dd>
          <dt>Active grants</dt><dd>{report.activeGrants}</dd>
          <dt>Downloads</dt><dd>{report.downloads}</dd>
        </dl>
      </section>

      {report.blocks.length > 0 ? (
        <section>
          <h2>Blocks and unblocks</h2>
          <table><tbody>{report.blocks.map((b) => <tr><td>{when(b.at)}</td><td>{b.action}</td><td>{b.by ?? '–'}</td><td>{b.reason ?? ''}</td></tr>)}</tbody></table>
        </section>
      ) : null}
    </Layout>
  );
}
