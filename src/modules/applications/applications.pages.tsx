import type { SanitizedHtml } from '../../lib/markdown.ts';
import type { Actor } from '../access/actor.ts';
import { ConditionsList } from '../conditions/conditions.pages.tsx';
import type { Condition } from '../conditions/conditions.models.ts';
import { TextArea } from '../credentials/credentials.pages.tsx';
import { COUNTRY_OPTIONS } from '../credentials/credentials.countries.ts';
import { Field, FormError, type FormState } from '../web/form.tsx';
import { Layout } from '../web/layout.tsx';
import { fieldMessage, formatDate, formatDateTime, repoPagePath } from '../web/web.support.ts';
import type { FormField } from './application-form.models.ts';
import type { presentApplication } from './applications.presenters.ts';
import type { presentMyGrants } from './grants.usecases.ts';

/** The applicant's pages: the apply wizard (or the renewal form), "my access" and "my signatures". */

type RepoRef = { type: 'model' | 'dataset'; namespace: string; name: string; accessLevel: string };
export interface AgreementView { title: string; version: number; html: SanitizedHtml; textSha256: string; signed: boolean }

const errorOf = (state: FormState, name: string) => (state.error?.field === name ? fieldMessage(state.error) : null);

function FormFieldInput({ field, state }: { field: FormField; state: FormState }) {
  const name = `fields.${field.name}`;
  const error = errorOf(state, name);
  const value = state.values?.[name] ?? '';
  const label = `${field.label}${field.required ? '' : ' (optional)'}`;
  const described = error ? `${name}-error` : undefined;
  const control = (() => {
    switch (field.type) {
      case 'long-text':
        return <textarea name={name} id={name} rows={4} aria-invalid={error ? 'true' : undefined} aria-describedby={described}>{value}</textarea>;
      case 'select':
        return <select name={name} id={name} aria-invalid={error ? 'true' : undefined}><option value="">Choose…</option>{field.options!.map((o) => <option value={o} selected={value === o}>{o}</option>)}</select>;
      case 'multi-select': {
        const chosen = new Set(value.split('\n'));
        return <span class="options">{field.options!.map((o) => <label class="inline-option"><input type="checkbox" name={name} value={o} checked={chosen.has(o)} /> {o}</label>)}</span>;
      }
      case 'checkbox':
        return <input type="checkbox" name={name} id={name} value="yes" checked={value === 'yes'} aria-invalid={error ? 'true' : undefined} />;
      case 'country':
        return <select name={name} id={name}><option value="">Choose…</option>{COUNTRY_OPTIONS.map((c) => <option value={c.code} selected={value === c.code}>{c.name}</option>)}</select>;
      default:
        return <input type={field.type === 'url' ? 'url' : field.type === 'email' ? 'email' : field.type === 'date' ? 'date' : 'text'} name={name} id={name} value={value} aria-invalid={error ? 'true' : undefined} aria-describedby={described} />;
    }
  })();
  return (
    <label class={error ? 'field invalid' : 'field'} data-field={field.name}>
      <span>{label}</span>
      {control}
      {field.help ? <small class="muted">{field.help}</small> : null}
      {error ? <small class="field-error" id={`${name}-error`}>{error}</small> : null}
    </label>
  );
}

function AgreementStep({ agreement, state, step }: { agreement: AgreementView; state: FormState; step: number }) {
  return (
    <fieldset class="card" data-testid="agreement-step">
      <legend>Step {step}: sign “{agreement.title}”, version {agreement.version}</legend>
      <div class="markdown agreement-text" data-testid="agreement-text" dangerouslySetInnerHTML={{ __html: agreement.html }} />
      <p class="muted">Text sha256 <code>{agreement.textSha256}</code>. Your signature records this exact text, your typed name, the time and your address. It is never deleted.</p>
      <input type="hidden" name="agreement.version" value={String(agreement.version)} />
      <input type="hidden" name="agreement.textSha256" value={agreement.textSha256} />
      <Field label="Type your full name to sign" name="agreement.signedName" state={state} autocomplete="name" hint="Your name as on your account, not a tick box." />
    </fieldset>
  );
}

export function ApplyPage(props: { actor: Actor; repo: RepoRef; form: FormField[]; minStatement: number; agreement: AgreementView | null; conditions: Condition[]; state: FormState; renewal: { endsAt: string | null } | null; draftSavedAt?: Date | null; notice?: string }) {
  const { repo, form, agreement, state, renewal } = props;
  const path = repoPagePath(repo);
  const id = `${repo.namespace}/${repo.name}`;
  const fieldNames = ['purpose', 'agreement.signedName', 'agreement.version', ...form.map((f) => `fields.${f.name}`)];
  let step = 0;
  return (
    <Layout title={`${renewal ? 'Renew access to' : 'Apply for'} ${id}`} actor={props.actor} path={`${path}/apply`}>
      <h1>{renewal ? `Renew your access to ${id}` : `Apply for access to ${id}`}</h1>
      <p class="muted">
        {repo.accessLevel === 'agreement' ? 'Access is granted at once when the form is complete and the agreement is signed.' : 'Your application goes to the repository\'s review committee; you are told of their decision and its reason.'}
        {renewal?.endsAt ? ` Your current grant ends on ${formatDate(new Date(renewal.endsAt))}; it keeps working until the renewal is decided.` : ''}
      </p>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      {props.draftSavedAt && !renewal ? <p class="muted" data-testid="draft">Your draft, saved {formatDateTime(props.draftSavedAt)}.</p> : null}
      <FormError state={state} fields={fieldNames} />
      <section class="card" data-testid="conditions">
        <h2>Conditions you accept</h2>
        <ConditionsList conditions={props.conditions} empty="No conditions beyond the agreement." />
      </section>
      <form method="post" action={`${path}/${renewal ? 'renew' : 'apply'}`} class="stack wizard" novalidate>
        {!renewal && form.length > 0 ? (
          <fieldset class="card" data-testid="form-step">
            <legend>Step {++step}: about you and your use</legend>
            {form.map((f) => <FormFieldInput field={f} state={state} />)}
          </fieldset>
        ) : null}
        <fieldset class="card" data-testid="statement-step">
          <legend>Step {++step}: {renewal ? 'why you still need access' : 'research statement'}</legend>
          <TextArea label={renewal ? 'What you still need the access for' : 'Describe your proposed research'} name="purpose" state={state} rows={6}
            hint={props.minStatement > 0 ? `At least ${props.minStatement} characters.` : renewal ? 'Leave empty to keep your earlier statement.' : 'Say what you will do with the files.'} />
        </fieldset>
        {agreement && !agreement.signed ? <AgreementStep agreement={agreement} state={state} step={++step} /> : agreement ? <p class="muted">You signed version {agreement.version} of “{agreement.title}” already.</p> : null}
        <div class="buttons">
          {!renewal ? <button type="submit" name="intent" value="draft" class="secondary">Save draft</button> : null}
          <button type="submit" name="intent" value="submit">{renewal ? 'Request renewal' : repo.accessLevel === 'agreement' ? 'Sign and get access' : 'Submit application'}</button>
        </div>
      </form>
    </Layout>
  );
}

const STATUS_TEXT: Record<string, string> = { draft: 'Draft', submitted: 'Waiting for the reviewers', returned: 'Returned to you for changes', approved: 'Approved', rejected: 'Rejected', withdrawn: 'Withdrawn' };
const GRANT_TEXT: Record<string, string> = { active: 'Active', ended: 'Ended', revoked: 'Revoked', replaced: 'Replaced by a renewal' };

type MyApplication = ReturnType<typeof presentApplication>;
type MyGrant = ReturnType<typeof presentMyGrants>[number];

const pathOf = (r: { type: string; id: string }) => `${r.type === 'dataset' ? '/datasets' : ''}/${r.id}`;

export function MyAccessPage({ actor, applications, grants, notice, edit }: { actor: Actor; applications: MyApplication[]; grants: MyGrant[]; notice?: string; edit?: { id: string; state: FormState } }) {
  return (
    <Layout title="My access" actor={actor} path="/settings/access">
      <h1>My access</h1>
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      <section data-testid="grants">
        <h2>Grants</h2>
        {grants.length === 0 ? <p class="muted">No grants yet.</p> : (
          <table class="grants">
            <thead><tr><th>Repository</th><th>State</th><th>From</th><th>Until</th><th>Conditions and notes</th><th></th></tr></thead>
            <tbody>
              {grants.map((g) => (
                <tr data-grant-state={g.state}>
                  <td><a href={pathOf(g.repository)}>{g.repository.id}</a></td>
                  <td>{GRANT_TEXT[g.state]}</td>
                  <td>{formatDate(new Date(g.startsAt))}</td>
                  <td>{g.endsAt ? formatDate(new Date(g.endsAt)) : 'no end'}</td>
                  <td>
                    {g.state === 'revoked' ? <p class="notice error">Revoked {g.revokedAt ? formatDateTime(new Date(g.revokedAt)) : ''}. Reason: {g.revokeReason ?? 'not given'}</p> : null}
                    {g.state === 'active' && g.conditions.length ? <ConditionsList conditions={g.conditions} /> : null}
                  </td>
                  <td>{g.renewable && (g.state === 'active' || g.state === 'ended') ? <a class="button" href={`${pathOf(g.repository)}/apply?renew=1`}>Renew</a> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section data-testid="applications">
        <h2>Applications</h2>
        {applications.length === 0 ? <p class="muted">You have not applied for access to anything yet.</p> : (
          <ul class="repo-list">
            {applications.map((a) => (
              <li data-application={a.id} data-status={a.status} id={`application-${a.id}`}>
                <a href={pathOf(a.repository)}>{a.repository.id}</a> · <strong>{STATUS_TEXT[a.status] ?? a.status}</strong>
                {a.submittedAt ? <span class="muted"> · submitted {formatDateTime(new Date(a.submittedAt))}</span> : null}
                {a.decisionReason ? <p class="notice">{a.status === 'returned' ? 'What to change: ' : 'Reason: '}{a.decisionReason}</p> : null}
                {a.status === 'draft' ? <p><a class="button" href={`${pathOf(a.repository)}/apply`}>Continue the draft</a></p> : null}
                {a.status === 'returned' ? (
                  <form method="post" action={`/settings/access/${a.id}/resubmit`} class="stack" data-testid="resubmit" novalidate>
                    <TextArea label="Your research statement, changed as asked" name="purpose" id={`purpose-${a.id}`} state={edit?.id === a.id ? edit.state : { values: { purpose: a.purpose ?? '' } }} rows={5} />
                    <button type="submit">Submit again</button>
                  </form>
                ) : null}
                {a.status === 'submitted' || a.status === 'returned' || a.status === 'draft' ? (
                  <form method="post" action={`/settings/access/${a.id}/withdraw`} class="inline"><button type="submit" class="link">Withdraw</button></form>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </Layout>
  );
}

export interface SignatureView { title: string; repository: string | null; version: number; textSha256: string; signedName: string; signedAt: Date }

export function MySignaturesPage({ actor, signatures }: { actor: Actor; signatures: SignatureView[] }) {
  return (
    <Layout title="My signatures" actor={actor} path="/settings/signatures">
      <h1>My signatures</h1>
      <p class="muted">Every agreement you signed, with the exact version and the sha256 of its text. Signatures are never deleted.</p>
      {signatures.length === 0 ? <p class="muted">You have not signed any agreement yet.</p> : (
        <table data-testid="signatures">
          <thead><tr><th>Agreement</th><th>Repository</th><th>Version</th><th>Signed as</th><th>When</th><th>Text sha256</th></tr></thead>
          <tbody>
            {signatures.map((s) => (
              <tr><td>{s.title}</td><td>{s.repository ?? 'platform'}</td><td>{s.version}</td><td>{s.signedName}</td><td>{formatDateTime(s.signedAt)}</td><td class="sha">{s.textSha256}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
