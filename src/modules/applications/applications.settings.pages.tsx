import type { Actor } from '../access/actor.ts';
import { Select, TextArea } from '../credentials/credentials.pages.tsx';
import { Field, FormError, type FormState } from '../web/form.tsx';
import { Layout } from '../web/layout.tsx';
import { repoPagePath } from '../web/web.support.ts';
import { FIELD_TYPES, type FormField } from './application-form.models.ts';
import type { presentPolicy } from './applications.presenters.ts';

/** The publisher's page: the access policy, the form designer and the review committee. */

type Policy = ReturnType<typeof presentPolicy>;
type RepoRef = { type: 'model' | 'dataset'; namespace: string; name: string };

const TYPE_OPTIONS = FIELD_TYPES.map((t) => ({ value: t, label: t }));

export function AccessSettingsPage(props: { actor: Actor; repo: RepoRef; policy: Policy; reviewers: { username: string; displayName: string }[]; agreement: { title: string; version: number; text: string } | null; state: FormState; notice?: string; section?: string }) {
  const { repo, policy, state } = props;
  const base = `${repoPagePath(repo)}/settings/access`;
  const own = (section: string): FormState => (props.section === section ? state : { values: {} });
  const policyState: FormState = props.section === 'policy' ? state : {
    values: {
      requiresCredential: policy.requiresCredential ? 'yes' : '', requiredTrainings: policy.requiredTrainings.join(', '), minStatementLength: String(policy.minStatementLength),
      grantDurationDays: policy.grantDurationDays ? String(policy.grantDurationDays) : '', rule: policy.decisionRule.kind,
      required: policy.decisionRule.kind === 'committee' ? String(policy.decisionRule.required) : '1', veto: policy.decisionRule.kind === 'committee' && policy.decisionRule.veto ? 'yes' : '',
      conditions: policy.conditions.join('\n'),
    },
  };
  const fields: FormField[] = policy.formFields ?? [];
  return (
    <Layout title={`Access settings of ${repo.namespace}/${repo.name}`} actor={props.actor} path={base}>
      <h1>Access settings of <a href={repoPagePath(repo)}>{repo.namespace}/{repo.name}</a></h1>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      <section class="card" data-testid="policy-editor">
        <h2>Access policy</h2>
        <FormError state={own('policy')} fields={['minStatementLength', 'grantDurationDays', 'requiredTrainings', 'decisionRule.required', 'conditions']} />
        <form method="post" action={base} class="stack" novalidate>
          <label class="inline-option"><input type="checkbox" name="requiresCredential" value="yes" checked={policyState.values?.requiresCredential === 'yes'} /> Require credentialed researcher status</label>
          <Field label="Required trainings (slugs, comma-separated)" name="requiredTrainings" state={policyState} hint="See /trainings for the slugs." />
          <Field label="Minimum research-statement length (characters)" name="minStatementLength" type="number" state={policyState} />
          <Field label="Grant duration (days; empty for no end)" name="grantDurationDays" type="number" state={policyState} />
          <Select label="Decision rule" name="rule" state={policyState} placeholder="Choose…" options={[{ value: 'single', label: 'One approver (a publisher or committee member)' }, { value: 'committee', label: 'N approvals of the committee' }]} />
          <Field label="Approvals needed (committee rule)" name="required" type="number" state={policyState} />
          <label class="inline-option"><input type="checkbox" name="veto" value="yes" checked={policyState.values?.veto === 'yes'} /> Any rejection vetoes</label>
          <TextArea label="Publisher conditions, one per line" name="conditions" state={policyState} rows={4} hint="Shown under “Publisher conditions” on the repository page, in the wizard and the access API." />
          <button type="submit">Save policy</button>
        </form>
      </section>
      <section class="card" data-testid="form-designer">
        <h2>Application form</h2>
        <p class="muted">{policy.formFields ? 'Fields set here replace the card\'s extra_gated_fields.' : policy.form.source === 'card' ? 'Now taken from the card\'s extra_gated_fields; adding a field here starts a form of its own.' : 'No form: applicants give a statement only.'}</p>
        <ul data-testid="form-fields">
          {fields.map((f) => (
            <li data-field={f.name}>
              <strong>{f.label}</strong> <code>{f.name}</code> · {f.type}{f.required ? ' · required' : ' · optional'}{f.options ? ` · options: ${f.options.join(', ')}` : ''}
              <form method="post" action={`${base}/fields/${encodeURIComponent(f.name)}/remove`} class="inline"><button type="submit" class="link">Remove</button></form>
            </li>
          ))}
        </ul>
        <FormError state={own('field')} fields={['field.name', 'field.label', 'field.type', 'field.options']} />
        <form method="post" action={`${base}/fields`} class="stack" novalidate>
          <Field label="Label" name="field.label" state={own('field')} />
          <Field label="Name (lowercase letters, digits, _)" name="field.name" state={own('field')} />
          <Select label="Type" name="field.type" state={own('field')} placeholder="Choose…" options={TYPE_OPTIONS} />
          <Field label="Options (select fields; comma-separated)" name="field.options" state={own('field')} />
          <Field label="Help text" name="field.help" state={own('field')} />
          <label class="inline-option"><input type="checkbox" name="field.optional" value="yes" /> Optional</label>
          <button type="submit">Add field</button>
        </form>
      </section>
      <AgreementEditor base={base} agreement={props.agreement} state={props.section === 'agreement' ? state : { values: props.agreement ? { title: props.agreement.title, text: props.agreement.text } : {} }} />
      <section class="card" data-testid="committee">
        <h2>Review committee</h2>
        <ul>{props.reviewers.map((r) => <li>{r.displayName} (@{r.username}) <form method="post" action={`${base}/reviewers/${encodeURIComponent(r.username)}/remove`} class="inline"><button type="submit" class="link">Remove</button></form></li>)}</ul>
        <FormError state={own('reviewer')} fields={['username']} />
        <form method="post" action={`${base}/reviewers`} class="stack" novalidate>
          <Field label="Add a reviewer (username)" name="username" state={own('reviewer')} />
          <button type="submit">Add reviewer</button>
        </form>
      </section>
      <section class="card" data-testid="revoke">
        <h2>Revoke a user's access</h2>
        <FormError state={own('revoke')} fields={['user', 'reason']} />
        <form method="post" action={`${base}/revoke`} class="stack" novalidate>
          <Field label="Username" name="user" state={own('revoke')} />
          <Field label="Reason (the user reads it)" name="reason" state={own('revoke')} />
          <label class="inline-option"><input type="checkbox" name="blockReapplication" value="yes" /> Bar them from applying again</label>
          <button type="submit">Revoke access</button>
        </form>
      </section>
    </Layout>
  );
}

/** The repository's agreement: a changed text is published as a new version, which every holder must sign again. */
function AgreementEditor({ base, agreement, state }: { base: string; agreement: { title: string; version: number } | null; state: FormState }) {
  return (
    <section class="card" data-testid="agreement-editor">
      <h2>Agreement</h2>
      <p class="muted">{agreement ? `Version ${agreement.version} is in force. Saving a changed text publishes version ${agreement.version + 1}: everyone with access must sign it before downloading again.` : 'No agreement yet. Applicants sign the text you publish here, with their typed full name.'}</p>
      <FormError state={state} fields={['title', 'text']} />
      <form method="post" action={`${base}/agreement`} class="stack" novalidate>
        <Field label="Title" name="title" state={state} />
        <TextArea label="Text (markdown)" name="text" state={state} rows={10} />
        <button type="submit">{agreement ? 'Publish a new version' : 'Publish the agreement'}</button>
      </form>
    </section>
  );
}
