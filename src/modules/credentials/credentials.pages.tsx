import type { Actor } from '../access/actor.ts';
import { Field, FormError, type FormState } from '../web/form.tsx';
import { Layout } from '../web/layout.tsx';
import { fieldMessage, formatDateTime } from '../web/web.support.ts';
import { COUNTRY_OPTIONS } from './credentials.countries.ts';
import { RESEARCHER_CATEGORIES } from './credentials.models.ts';
import type { presentMyCredential, presentProfile } from './credentials.presenters.ts';

/** Researcher pages: the profile, the credential application with its stages, and the reference's page. */

export const EVENT_LABELS: Record<string, string> = {
  created: 'Application started', submitted: 'Submitted for review', reference_requested: 'Reference asked by mail',
  reference_confirmed: 'Reference confirmed', reference_declined: 'Reference declined', identity_checked: 'Identity checked',
  returned: 'Returned for changes', approved: 'Approved', rejected: 'Rejected', revoked: 'Revoked',
};
export const STAGE_LABELS = { identity: 'Identity check', reference: 'Reference', final: 'Final decision' } as const;
export const STATE_LABELS: Record<string, string> = { done: 'done', pending: 'to do', waiting: 'waiting for the reference', confirmed: 'confirmed', declined: 'declined', expired: 'link expired' };
export const ROLE_LABELS: Record<string, string> = { applicant: 'you', reference: 'your reference', staff: 'credentialing staff' };

const when = (iso: string | null) => (iso ? <time datetime={iso}>{formatDateTime(new Date(iso))}</time> : null);

function fieldError(state: FormState, name: string) {
  return state.error?.field === name ? fieldMessage(state.error) : null;
}

/** `id` tells apart fields of one name in several forms on a page (the staff decisions). */
export function TextArea(props: { label: string; name: string; id?: string; state: FormState; rows?: number; hint?: string; required?: boolean }) {
  const error = fieldError(props.state, props.name);
  const id = props.id ?? props.name;
  return (
    <label class={error ? 'field invalid' : 'field'}>
      <span>{props.label}</span>
      <textarea name={props.name} id={id} rows={props.rows ?? 4} required={props.required} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? `${id}-error` : undefined}>
        {props.state.values?.[props.name] ?? ''}
      </textarea>
      {props.hint ? <small class="muted">{props.hint}</small> : null}
      {error ? <small class="field-error" id={`${id}-error`}>{error}</small> : null}
    </label>
  );
}

export function Select(props: { label: string; name: string; state: FormState; options: readonly { value: string; label: string }[]; placeholder: string }) {
  const error = fieldError(props.state, props.name);
  const current = props.state.values?.[props.name] ?? '';
  return (
    <label class={error ? 'field invalid' : 'field'}>
      <span>{props.label}</span>
      <select name={props.name} id={props.name} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? `${props.name}-error` : undefined}>
        <option value="" selected={current === ''}>{props.placeholder}</option>
        {props.options.map((o) => <option value={o.value} selected={current === o.value}>{o.label}</option>)}
      </select>
      {error ? <small class="field-error" id={`${props.name}-error`}>{error}</small> : null}
    </label>
  );
}

const CATEGORY_OPTIONS = RESEARCHER_CATEGORIES.map((c) => ({ value: c, label: c.charAt(0).toUpperCase() + c.slice(1) }));
const COUNTRY_SELECT = COUNTRY_OPTIONS.map((c) => ({ value: c.code, label: c.name }));
export const PROFILE_FIELDS = ['fullName', 'institution', 'jobTitle', 'category', 'country', 'orcid', 'website'];

export function ProfilePage({ actor, profile, state, notice }: { actor: Actor; profile: ReturnType<typeof presentProfile>; state: FormState; notice?: string }) {
  return (
    <Layout title="Researcher profile" actor={actor} path="/settings/profile">
      <h1>Researcher profile</h1>
      <p class="muted">Credentialing staff check who you are from this profile. A copy is kept with each credential application you submit.</p>
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      {!profile.complete && !state.error ? <p class="notice pending">Still needed before you can apply: {profile.missing.map((g) => g.message).join('; ')}.</p> : null}
      {profile.complete && notice ? <p><a href="/settings/credential">Continue to your credential application →</a></p> : null}
      <FormError state={state} fields={PROFILE_FIELDS} />
      <form method="post" action="/settings/profile" class="stack" novalidate>
        <Field label="Full name" name="fullName" state={state} autocomplete="name" />
        <Field label="Institution" name="institution" state={state} autocomplete="organization" hint="Your university, company or agency; “independent” if none." />
        <Field label="Job title" name="jobTitle" state={state} autocomplete="organization-title" />
        <Select label="Researcher category" name="category" state={state} options={CATEGORY_OPTIONS} placeholder="Choose…" />
        <Select label="Country" name="country" state={state} options={COUNTRY_SELECT} placeholder="Choose…" />
        <Field label="ORCID iD" name="orcid" state={state} hint="Such as 0000-0002-1825-0097. Give this or a web page." />
        <Field label="Web page" name="website" type="url" state={state} hint="A page that shows your work, such as your staff page at your institution." />
        <button type="submit">Save profile</button>
      </form>
    </Layout>
  );
}

type MyCredential = ReturnType<typeof presentMyCredential>;
type Application = NonNullable<MyCredential['application']>;

export function StageList({ application }: { application: Pick<Application, 'stage' | 'stages'> }) {
  return (
    <ol class="stages">
      {application.stages.map((s) => (
        <li class={`stage ${s.state}${application.stage === s.name ? ' current' : ''}`} aria-current={application.stage === s.name ? 'step' : undefined}>
          <strong>{STAGE_LABELS[s.name]}</strong> <span class="state">{STATE_LABELS[s.state] ?? s.state}</span> {when(s.at)}
        </li>
      ))}
    </ol>
  );
}

function Timeline({ events }: { events: Application['events'] }) {
  return (
    <ol class="timeline">
      {events.map((e) => (
        <li>
          {when(e.at)} <strong>{EVENT_LABELS[e.action] ?? e.action}</strong> <span class="muted">by {ROLE_LABELS[e.by] ?? e.by}</span>
          {e.comment ? <blockquote>{e.comment}</blockquote> : null}
        </li>
      ))}
    </ol>
  );
}

export const APPLICATION_FIELDS = ['researchSummary', 'reference.name', 'reference.email', 'reference.relationship'];

export function CredentialPage({ actor, view, state, notice }: { actor: Actor; view: MyCredential; state: FormState; notice?: string }) {
  const app = view.application;
  const canWrite = !app || app.editable || app.status === 'rejected' || app.status === 'revoked';
  return (
    <Layout title="Researcher credentials" actor={actor} path="/settings/credential">
      <h1>Researcher credentials</h1>
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      {app ? (
        <section class="card" data-testid="credential-status">
          <h2>Status: <span class={`badge status-${app.status}`}>{app.status}</span></h2>
          <p>{app.nextStep}</p>
          {app.status === 'submitted' || app.status === 'returned' ? <StageList application={app} /> : null}
          {app.referenceRequest ? (
            <p class="muted">
              Reference {app.referenceRequest.name} ({app.referenceRequest.email}): {STATE_LABELS[app.referenceRequest.state]}
              {app.referenceRequest.state === 'waiting' ? <>, link valid until {when(app.referenceRequest.expiresAt)}</> : null}.
            </p>
          ) : null}
          {app.decisionComment && app.status !== 'approved' ? <p><strong>Reason:</strong> {app.decisionComment}</p> : null}
          {app.revokeReason ? <p><strong>Reason for revocation:</strong> {app.revokeReason}</p> : null}
        </section>
      ) : (
        <p class="muted">Credentialed researchers can apply for repositories that require it. Tell us about your research and name a reference or supervisor who can vouch for you; they confirm by mail.</p>
      )}
      {!view.profileComplete ? <p class="notice pending">Complete your <a href="/settings/profile">researcher profile</a> before submitting.</p> : null}
      {canWrite ? (
        <section class="card">
          <h2>{app && app.editable ? 'Your application' : 'Apply'}</h2>
          <FormError state={state} fields={APPLICATION_FIELDS} />
          <form method="post" action="/settings/credential" class="stack wide" novalidate>
            <TextArea label="Research summary" name="researchSummary" state={state} rows={8} hint={`What you will do with credentialed access, why, and how you will handle the models (at least ${view.summaryMin} characters).`} />
            <Field label="Reference or supervisor: name" name="reference.name" state={state} />
            <Field label="Their institutional email" name="reference.email" type="email" state={state} hint="They get a personal link, valid 30 days, to confirm or decline." />
            <Field label="How they know you" name="reference.relationship" state={state} hint="Such as “doctoral supervisor, 2019–2023”." />
            <div class="buttons">
              <button type="submit" name="intent" value="save" class="secondary">Save draft</button>
              <button type="submit" name="intent" value="submit">Submit for review</button>
            </div>
          </form>
        </section>
      ) : null}
      {app && app.events.length > 0 ? (
        <section>
          <h2>History</h2>
          <Timeline events={app.events} />
        </section>
      ) : null}
    </Layout>
  );
}

export interface ReferencePageProps {
  actor: Actor;
  token: string;
  applicant: { fullName: string | null; institution: string | null; jobTitle: string | null };
  relationship: string;
  researchSummary: string | null;
  expiresAt: Date;
  state: FormState;
}

/** The reference's page: who asks, what for, and confirm or decline. The token stays in the form's own address only. */
export function ReferencePage(props: ReferencePageProps) {
  const { applicant, state } = props;
  return (
    <Layout title="Reference request" actor={props.actor}>
      <h1>Can you vouch for {applicant.fullName}?</h1>
      <p>
        <strong>{applicant.fullName}</strong> ({applicant.jobTitle}, {applicant.institution}) applied for researcher credentials on Airlock and named you as a reference,
        describing you as: <em>{props.relationship}</em>.
      </p>
      {props.researchSummary ? (
        <section class="card">
          <h2>Their research summary</h2>
          <p class="prewrap">{props.researchSummary}</p>
        </section>
      ) : null}
      <FormError state={state} fields={['response', 'note']} />
      <form method="post" action={`/references/${props.token}`} class="stack" novalidate>
        <fieldset class={state.error?.field === 'response' ? 'field invalid' : 'field'}>
          <legend>Your answer</legend>
          <label><input type="radio" name="response" value="confirm" checked={state.values?.response === 'confirm'} /> I confirm: I know them in this role and vouch for their research.</label>
          <label><input type="radio" name="response" value="decline" checked={state.values?.response === 'decline'} /> I decline: I cannot vouch for them (or do not know them).</label>
          {state.error?.field === 'response' ? <small class="field-error">{fieldMessage(state.error)}</small> : null}
        </fieldset>
        <TextArea label="Note (optional; read by credentialing staff only)" name="note" state={state} rows={4} />
        <button type="submit">Send answer</button>
      </form>
      <p class="muted">This link is personal, works once, and expires on {formatDateTime(props.expiresAt)}.</p>
    </Layout>
  );
}

export function ReferenceDonePage({ actor, response }: { actor: Actor; response: 'confirm' | 'decline' }) {
  return (
    <Layout title="Thank you" actor={actor}>
      <h1>Thank you</h1>
      <p role="status">Your answer ({response === 'confirm' ? 'confirmed' : 'declined'}) is recorded. Nothing more is needed from you; this link no longer works.</p>
    </Layout>
  );
}
