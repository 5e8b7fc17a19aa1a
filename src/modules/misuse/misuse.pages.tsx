import type { Actor } from '../access/actor.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { TextArea } from '../discussions/discussions.pages.tsx';
import { Field, FormError, type FormState } from '../web/form.tsx';
import { Layout } from '../web/layout.tsx';
import { formatDateTime, repoPagePath } from '../web/web.support.ts';
import { CATEGORY_TEXT, MISUSE_CATEGORIES } from './misuse.models.ts';
import type { presentForModerator, presentForReporter, presentQueueItem } from './misuse.presenters.ts';

type ReporterView = ReturnType<typeof presentForReporter>;
type ModeratorView = ReturnType<typeof presentForModerator>;
type QueueItem = ReturnType<typeof presentQueueItem>;

const repoHref = (r: { type: string; id: string }) => `/${r.type === 'dataset' ? 'datasets/' : ''}${r.id}`;

export function ReportFormPage({ actor, repo, state }: { actor: Actor; repo: RepositoryRow; state: FormState }) {
  const path = `${repoPagePath(repo)}/report`;
  const category = state.values?.category ?? '';
  return (
    <Layout title={`Report misuse · ${repo.namespace}/${repo.name}`} actor={actor} path={path}>
      <p><a href={repoPagePath(repo)}>← {repo.namespace}/{repo.name}</a></p>
      <h1>Report misuse of {repo.namespace}/{repo.name}</h1>
      <p class="muted">The platform moderators read every report. The publisher is not told who reported.</p>
      <form method="post" action={path} class="stack" novalidate data-testid="report-form">
        <FormError state={state} fields={['category', 'description', 'evidenceLinks', 'email']} />
        <label class={state.error?.field === 'category' ? 'field invalid' : 'field'}>
          <span>Category</span>
          <select name="category" id="category">
            <option value="" selected={category === ''}>Choose…</option>
            {MISUSE_CATEGORIES.map((c) => <option value={c} selected={category === c}>{CATEGORY_TEXT[c]}</option>)}
          </select>
          {state.error?.field === 'category' ? <small class="field-error">Choose a category.</small> : null}
        </label>
        <TextArea label="What happened" name="description" state={state} rows={6} hint="At least 20 characters." />
        <TextArea label="Evidence links" name="evidenceLinks" state={state} rows={3} hint="One http or https address per line." />
        {actor.kind === 'anonymous' ? <Field label="Your email (to reach you; never shown to the publisher)" name="email" type="email" state={state} /> : null}
        <button type="submit">Send report</button>
      </form>
    </Layout>
  );
}

/** After an anonymous report: the status link, shown this once. */
export function ReportFiledPage({ actor, statusUrl }: { actor: Actor; statusUrl: string }) {
  return (
    <Layout title="Report received" actor={actor}>
      <h1>Report received</h1>
      <p>Follow its status at this link. Keep it: it is shown only this once (it was also mailed to you), and anyone holding it can read the report.</p>
      <p><a href={statusUrl} data-testid="status-link">{statusUrl}</a></p>
    </Layout>
  );
}

export function ReportStatusPage({ actor, view }: { actor: Actor; view: ReporterView }) {
  return (
    <Layout title="Misuse report" actor={actor}>
      <h1>Misuse report about <a href={repoHref(view.repository)}>{view.repository.id}</a></h1>
      <p>Status: <strong data-testid="report-status">{view.status}</strong></p>
      {view.outcome ? <p data-testid="report-outcome">{view.status === 'dismissed' ? 'Reason' : 'Outcome'}: {view.outcome}</p> : null}
      <p class="muted">{CATEGORY_TEXT[view.category]} · filed {view.createdAt.slice(0, 16).replace('T', ' ')} UTC</p>
      <p class="prewrap">{view.description}</p>
      <ol class="timeline">{view.history.map((h) => <li>{h.text} <span class="muted">{h.at.slice(0, 16).replace('T', ' ')} UTC</span></li>)}</ol>
    </Layout>
  );
}

export function MyReportsPage({ actor, items }: { actor: Actor; items: QueueItem[] }) {
  return (
    <Layout title="My misuse reports" actor={actor} path="/settings/reports">
      <h1>My misuse reports</h1>
      {items.length === 0 ? <p class="muted">You have not reported anything.</p> : (
        <ul class="repo-list" data-testid="my-reports">
          {items.map((r) => <li><a href={`/settings/reports/${r.id}`}>{r.repository.id}</a> · {CATEGORY_TEXT[r.category]} · <strong>{r.status}</strong></li>)}
        </ul>
      )}
    </Layout>
  );
}

export function QueuePage({ actor, items, closed, appeals }: { actor: Actor; items: QueueItem[]; closed: boolean; appeals: { href: string; repo: string; title: string; lastActivityAt: Date; blocked: boolean }[] }) {
  return (
    <Layout title="Misuse reports" actor={actor} path="/moderation/reports">
      <h1>Misuse reports</h1>
      <p><a href={closed ? '/moderation/reports' : '/moderation/reports?closed=1'}>{closed ? 'Show open reports' : 'Show closed reports'}</a></p>
      {items.length === 0 ? <p class="muted">Nothing here.</p> : (
        <table data-testid="report-queue">
          <thead><tr><th>Repository</th><th>Category</th><th>Status</th><th>Reporter</th><th>Filed</th></tr></thead>
          <tbody>
            {items.map((r) => (
              <tr>
                <td><a href={`/moderation/reports/${r.id}`}>{r.repository.id}</a></td>
                <td>{CATEGORY_TEXT[r.category]}</td><td>{r.status}</td><td>{r.anonymous ? 'anonymous' : 'signed in'}</td>
                <td>{r.createdAt.slice(0, 16).replace('T', ' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Appeals against blocks</h2>
      {appeals.length === 0 ? <p class="muted">No appeals.</p> : (
        <ul data-testid="appeals">
          {appeals.map((a) => <li><a href={a.href}>{a.repo}</a>: {a.title} <span class="muted">{a.blocked ? 'still blocked' : 'unblocked'}, last activity {formatDateTime(a.lastActivityAt)}</span></li>)}
        </ul>
      )}
    </Layout>
  );
}

export function TriagePage({ actor, view, state, notice }: { actor: Actor; view: ModeratorView; state: FormState; notice?: string }) {
  const action = `/moderation/reports/${view.id}/actions`;
  const open = view.status === 'open' || view.status === 'acknowledged';
  const step = state.values?.action;
  const stateFor = (name: string): FormState => (step === name ? state : {});
  return (
    <Layout title="Misuse report" actor={actor}>
      <p><a href="/moderation/reports">← Misuse reports</a></p>
      <h1>Report about <a href={repoHref(view.repository)}>{view.repository.id}</a></h1>
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      <p>Status: <strong data-testid="report-status">{view.status}</strong>{view.repository.blocked ? <span class="badge blocked">Repository blocked</span> : null}</p>
      {view.outcome ? <p>Outcome: {view.outcome}</p> : null}
      <p class="muted">{CATEGORY_TEXT[view.category]} · reported by {'username' in view.reporter ? view.reporter.username : `${view.reporter.email} (no account)`}</p>
      <p class="prewrap">{view.description}</p>
      {view.evidenceLinks.length ? <ul data-testid="evidence">{view.evidenceLinks.map((u) => <li><a href={u} rel="nofollow noopener noreferrer">{u}</a></li>)}</ul> : null}
      <h2>History</h2>
      <ol class="timeline">{view.history.map((h) => <li>{h.text}{h.by ? ` by ${h.by}` : ''} <span class="muted">{h.at.slice(0, 16).replace('T', ' ')} UTC</span>{h.note ? <p class="prewrap">{h.note}</p> : null}</li>)}</ol>
      {open ? (
        <section data-testid="triage">
          <h2>Triage</h2>
          <FormError state={state} fields={['reason', 'message', 'user', 'note']} />
          {view.status === 'open' ? <form method="post" action={action} class="inline"><input type="hidden" name="action" value="acknowledge" /><button type="submit">Acknowledge</button></form> : null}
          <form method="post" action={action} class="stack"><input type="hidden" name="action" value="contact-publisher" /><TextArea label="Message to the publisher" name="message" state={stateFor('contact-publisher')} rows={3} /><button type="submit">Contact the publisher</button></form>
          {view.repository.blocked ? null : <form method="post" action={action} class="stack"><input type="hidden" name="action" value="block" /><Field label="Reason for blocking (shown on the repository page)" name="reason" state={stateFor('block')} /><button type="submit">Block the repository</button></form>}
          <form method="post" action={action} class="stack"><input type="hidden" name="action" value="revoke-grants" /><Field label="User whose access to revoke" name="user" state={stateFor('revoke-grants')} /><Field label="Reason (the user reads it)" name="reason" state={stateFor('revoke-grants')} /><button type="submit">Revoke the user's access</button></form>
          <form method="post" action={action} class="stack"><input type="hidden" name="action" value="resolve" /><Field label="Resolution (the reporter reads it)" name="note" state={stateFor('resolve')} /><button type="submit">Resolve</button></form>
          <form method="post" action={action} class="stack"><input type="hidden" name="action" value="dismiss" /><Field label="Reason for dismissing (the reporter reads it)" name="reason" state={stateFor('dismiss')} /><button type="submit">Dismiss</button></form>
        </section>
      ) : null}
    </Layout>
  );
}
