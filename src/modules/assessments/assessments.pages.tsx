import type { Actor } from '../access/actor.ts';
import { ACCESS_LEVELS, type AccessLevel } from '../repos/repos.tables.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { FormError, type FormState } from '../web/form.tsx';
import { Layout } from '../web/layout.tsx';
import { ACCESS_LEVEL_TEXT } from '../web/repository.models.ts';
import { fieldMessage, formatDateTime, repoPagePath } from '../web/web.support.ts';
import { draftToForm, MISUSE_FIELDS, TEXT_FIELDS } from './assessments.form.ts';
import { riskRating, type AssessmentDraft, type AssessmentStatus } from './assessments.models.ts';
import type { AssessmentRow } from './assessments.repository.ts';

export const STATUS_TEXT: Record<AssessmentStatus, string> = {
  draft: 'Draft',
  submitted: 'Submitted, awaiting a release reviewer',
  accepted: 'Accepted',
  'stricter-level-required': 'Stricter level required',
  superseded: 'Superseded by a newer version',
};

const RATINGS = ['1', '2', '3', '4', '5'];

function FieldError({ state, name }: { state: FormState; name: string }) {
  return state.error?.field === name ? <small class="field-error" id={`${name}-error`}>{fieldMessage(state.error)}</small> : null;
}

function TextArea({ name, label, hint, values, state, rows = 4 }: { name: string; label: string; hint?: string; values: Record<string, string>; state: FormState; rows?: number }) {
  const invalid = state.error?.field === name;
  return (
    <label class={invalid ? 'field invalid' : 'field'}>
      <span>{label}</span>
      <textarea name={name} id={name} rows={rows} aria-invalid={invalid ? 'true' : undefined}>{values[name] ?? ''}</textarea>
      {hint ? <small class="muted">{hint}</small> : null}
      <FieldError state={state} name={name} />
    </label>
  );
}

function RatingSelect({ name, label, values, state }: { name: string; label: string; values: Record<string, string>; state: FormState }) {
  return (
    <label class={state.error?.field === name ? 'field invalid' : 'field'}>
      <span>{label}</span>
      <select name={name} id={name}>
        <option value="">–</option>
        {RATINGS.map((r) => <option value={r} selected={values[name] === r}>{r}</option>)}
      </select>
      <FieldError state={state} name={name} />
    </label>
  );
}

/** The publisher's form. Blank misuse rows are offered for new entries and ignored when left blank. */
function DraftForm({ path, query, values, state, misuseRows }: { path: string; query: string; values: Record<string, string>; state: FormState; misuseRows: number }) {
  const known = ['accessLevel', 'accessLevelArgument', 'publicSummary', ...TEXT_FIELDS.map(([n]) => n)];
  return (
    <form method="post" action={`${path}/assessment${query}`} class="stack wide" data-testid="assessment-form">
      {/* Errors on a field shown below stay beside it; the rest (the misuse list as a whole, say) go on top. */}
      <FormError state={state} fields={[...known, ...Array.from({ length: misuseRows }, (_, i) => MISUSE_FIELDS.map((f) => `misuses.${i}.${f}`)).flat()]} />
      {TEXT_FIELDS.slice(0, 2).map(([name, label, hint]) => <TextArea name={name} label={label} hint={hint} values={values} state={state} />)}
      <fieldset class="field">
        <legend>Foreseeable misuse, who could be harmed, and how likely and severe it is (1–5 each)</legend>
        {Array.from({ length: misuseRows }, (_, i) => (
          <fieldset class="misuse" data-testid={`misuse-${i}`}>
            <legend>Misuse {i + 1}</legend>
            <TextArea name={`misuses.${i}.description`} label="Misuse" values={values} state={state} rows={2} />
            <TextArea name={`misuses.${i}.harmedGroups`} label="Who could be harmed" values={values} state={state} rows={2} />
            <RatingSelect name={`misuses.${i}.likelihood`} label="Likelihood" values={values} state={state} />
            <RatingSelect name={`misuses.${i}.severity`} label="Severity" values={values} state={state} />
            <TextArea name={`misuses.${i}.mitigation`} label="Mitigation for this misuse (optional)" values={values} state={state} rows={2} />
          </fieldset>
        ))}
      </fieldset>
      {TEXT_FIELDS.slice(2).map(([name, label, hint]) => <TextArea name={name} label={label} hint={hint} values={values} state={state} />)}
      <label class={state.error?.field === 'accessLevel' ? 'field invalid' : 'field'}>
        <span>Access level argued for</span>
        <select name="accessLevel" id="accessLevel">
          <option value="">–</option>
          {ACCESS_LEVELS.map((l) => <option value={l} selected={values.accessLevel === l}>{ACCESS_LEVEL_TEXT[l].label}</option>)}
        </select>
        <FieldError state={state} name="accessLevel" />
      </label>
      <TextArea name="accessLevelArgument" label="Why this level" values={values} state={state} />
      <TextArea name="publicSummary" label="Public summary" hint="Published on the transparency page with the reviewer's rationale." values={values} state={state} />
      <div class="buttons">
        <button type="submit" name="intent" value="save" class="secondary">Save draft</button>
        <button type="submit" name="intent" value="submit">Submit for review</button>
      </div>
    </form>
  );
}

function ContentView({ content }: { content: AssessmentDraft }) {
  return (
    <dl class="assessment">
      {TEXT_FIELDS.slice(0, 2).map(([name, label]) => <><dt>{label}</dt><dd class="prewrap">{content[name] ?? ''}</dd></>)}
      <dt>Foreseeable misuse</dt>
      <dd>
        <table>
          <thead><tr><th>Misuse</th><th>Who could be harmed</th><th class="num">Likelihood</th><th class="num">Severity</th><th>Risk</th><th>Mitigation</th></tr></thead>
          <tbody>
            {(content.misuses ?? []).map((m) => {
              const risk = m.likelihood && m.severity ? riskRating({ likelihood: m.likelihood, severity: m.severity }) : null;
              return <tr><td>{m.description}</td><td>{m.harmedGroups}</td><td class="num">{m.likelihood}</td><td class="num">{m.severity}</td><td>{risk ? `${risk.score} (${risk.band})` : ''}</td><td>{m.mitigation ?? ''}</td></tr>;
            })}
          </tbody>
        </table>
      </dd>
      {TEXT_FIELDS.slice(2).map(([name, label]) => <><dt>{label}</dt><dd class="prewrap">{content[name] ?? ''}</dd></>)}
      <dt>Access level argued for</dt><dd>{content.accessLevel ? ACCESS_LEVEL_TEXT[content.accessLevel].label : ''}: <span class="prewrap">{content.accessLevelArgument ?? ''}</span></dd>
      <dt>Public summary</dt><dd class="prewrap">{content.publicSummary ?? ''}</dd>
    </dl>
  );
}

function DecisionForm({ path, query, row, state }: { path: string; query: string; row: AssessmentRow; state: FormState }) {
  const values = state.values ?? {};
  return (
    <form method="post" action={`${path}/assessment/versions/${row.version}/decision${query}`} class="stack" data-testid="decision-form">
      <h3>Decide version {row.version}</h3>
      <FormError state={state} fields={['decision', 'rationale', 'requiredLevel']} />
      <label class="field"><span>Decision</span>
        <select name="decision" id="decision">
          <option value="accept" selected={values.decision === 'accept'}>Accept the level argued for</option>
          <option value="require-stricter" selected={values.decision === 'require-stricter'}>Require a stricter level</option>
        </select>
      </label>
      <label class={state.error?.field === 'requiredLevel' ? 'field invalid' : 'field'}><span>Required level (when requiring a stricter one)</span>
        <select name="requiredLevel" id="requiredLevel">
          <option value="">–</option>
          {ACCESS_LEVELS.map((l: AccessLevel) => <option value={l} selected={values.requiredLevel === l}>{ACCESS_LEVEL_TEXT[l].label}</option>)}
        </select>
        <FieldError state={state} name="requiredLevel" />
      </label>
      <TextArea name="rationale" label="Rationale (published on the transparency page)" values={values} state={state} />
      <button type="submit">Record the decision</button>
    </form>
  );
}

export interface AssessmentPageProps {
  actor: Actor;
  repo: RepositoryRow;
  versions: AssessmentRow[];
  draft: AssessmentRow | null;
  names: Map<string, string>;
  canEdit: boolean;
  canReadFull: boolean;
  canDecide: boolean;
  /** The release stage assessed here, or null for the whole repository. */
  stage: string | null;
  /** The stages of the release schedule, each of which can have an assessment of its own. */
  stages: string[];
  state?: FormState;
  decisionState?: FormState;
  notice?: string;
}

export function AssessmentPage(props: AssessmentPageProps) {
  const { actor, repo, versions, draft, names, canEdit, canReadFull, canDecide, stage } = props;
  const path = repoPagePath(repo);
  const query = stageQuery(stage);
  const state = props.state ?? {};
  const values = state.values ?? draftToForm(draft?.content ?? versions[0]?.content ?? {});
  const misuseCount = Math.max(0, ...Object.keys(values).map((k) => Number(/^misuses\.(\d+)\./.exec(k)?.[1] ?? -1) + 1));
  const waiting = versions.find((v) => v.status === 'submitted');
  const who = (id: string | null) => (id ? names.get(id) ?? 'unknown' : 'unknown');
  return (
    <Layout title={`Risk–benefit assessment${stage !== null ? ` of ${stage}` : ''} · ${repo.namespace}/${repo.name}`} actor={actor} path={`${path}/assessment${query}`}>
      <header class="repo-header">
        <p class="kind"><a href={path}>{repo.namespace}/{repo.name}</a></p>
        <h1>Risk–benefit assessment{stage !== null ? <> of the release stage “{stage}”</> : null}</h1>
      </header>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      <p class="muted">Releasing above <code>open</code>, or moving to a more open level, needs a submitted assessment arguing for that level. Platform release reviewers accept it or require a stricter level; their rationale and the public summary appear on the <a href={`${path}/transparency`}>transparency page</a>.</p>
      <StageLinks path={path} stage={stage} stages={props.stages} />
      <section>
        <h2>Versions</h2>
        {versions.length === 0 ? <p class="muted">No version submitted yet.</p> : (
          <ol class="timeline" data-testid="assessment-versions">
            {versions.map((v) => (
              <li data-status={v.status}>
                <strong>Version {v.version}</strong>: {STATUS_TEXT[v.status]}, arguing for {v.content.accessLevel ? ACCESS_LEVEL_TEXT[v.content.accessLevel].label : '–'}; submitted by {who(v.submittedBy)} {v.submittedAt ? `on ${formatDateTime(v.submittedAt)}` : ''}.
                {v.decidedAt ? <p>Decided by {who(v.decidedBy)} on {formatDateTime(v.decidedAt)}{v.requiredLevel ? `, requiring ${ACCESS_LEVEL_TEXT[v.requiredLevel].label}` : ''}: <span class="prewrap">{v.rationale}</span></p> : null}
                {canReadFull ? <details><summary>Full assessment</summary><ContentView content={v.content} /></details> : <p class="prewrap">{v.content.publicSummary}</p>}
              </li>
            ))}
          </ol>
        )}
      </section>
      {canDecide && waiting ? <section class="card"><DecisionForm path={path} query={query} row={waiting} state={props.decisionState ?? {}} /></section> : null}
      {canEdit ? (
        <section>
          <h2>{draft ? 'Your draft' : 'Write a new version'}</h2>
          <DraftForm path={path} query={query} values={values} state={state} misuseRows={Math.min(50, misuseCount + 2)} />
        </section>
      ) : null}
    </Layout>
  );
}

export const stageQuery = (stage: string | null) => (stage === null ? '' : `?stage=${encodeURIComponent(stage)}`);

/**
 * The repository's assessment and each release stage's: a stage released at another level than
 * the repository's can be argued for on its own (GPT-2's small model open, the full one reviewed).
 */
function StageLinks({ path, stage, stages }: { path: string; stage: string | null; stages: string[] }) {
  if (stages.length === 0 && stage === null) return null;
  return (
    <nav class="muted" data-testid="assessment-stages">
      Assessments: {stage === null ? <strong>the whole repository</strong> : <a href={`${path}/assessment`}>the whole repository</a>}
      {stages.map((name) => <>{' · '}{name === stage ? <strong>stage “{name}”</strong> : <a href={`${path}/assessment${stageQuery(name)}`}>stage “{name}”</a>}</>)}
      . A stage without its own assessment is judged by the repository's.
    </nav>
  );
}

export interface QueueItem {
  repo: RepositoryRow;
  stage: string | null;
  version: number;
  arguedLevel: AccessLevel | null;
  submittedAt: Date | null;
}

/** The release reviewers' queue: every assessment version waiting for a decision, oldest first. */
export function AssessmentQueuePage({ actor, items }: { actor: Actor; items: QueueItem[] }) {
  return (
    <Layout title="Release reviews" actor={actor} path="/staff/assessments">
      <h1>Release reviews</h1>
      <p class="muted">Risk–benefit assessments waiting for a decision. Accept the level argued for, or require a stricter one; your rationale is published on the repository's transparency page.</p>
      {items.length === 0 ? <p class="muted">Nothing is waiting.</p> : (
        <table data-testid="assessment-queue">
          <thead><tr><th>Repository</th><th>Version</th><th>Level argued</th><th>Current level</th><th>Submitted</th></tr></thead>
          <tbody>
            {items.map((item) => (
              <tr>
                <td><a href={`${repoPagePath(item.repo)}/assessment${stageQuery(item.stage)}`}>{item.repo.namespace}/{item.repo.name}</a>{item.repo.type === 'dataset' ? ' (dataset)' : ''}{item.stage !== null ? <>, stage “{item.stage}”</> : null}</td>
                <td class="num">{item.version}</td>
                <td>{item.arguedLevel ? ACCESS_LEVEL_TEXT[item.arguedLevel].label : '–'}</td>
                <td>{ACCESS_LEVEL_TEXT[item.repo.accessLevel].label}</td>
                <td>{item.submittedAt ? formatDateTime(item.submittedAt) : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
