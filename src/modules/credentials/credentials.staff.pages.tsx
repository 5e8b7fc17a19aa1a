import type { Actor } from '../access/actor.ts';
import { FormError, type FormState } from '../web/form.tsx';
import { Layout } from '../web/layout.tsx';
import { formatDateTime } from '../web/web.support.ts';
import { EVENT_LABELS, StageList, STAGE_LABELS, STATE_LABELS, TextArea } from './credentials.pages.tsx';
import type { presentQueueItem, presentReview } from './credentials.presenters.ts';

/** Credentialing staff pages: the queue and one application's review with its decision buttons. */

const when = (iso: string | null) => (iso ? <time datetime={iso}>{formatDateTime(new Date(iso))}</time> : '—');

export function QueuePage({ actor, items }: { actor: Actor; items: ReturnType<typeof presentQueueItem>[] }) {
  return (
    <Layout title="Credentialing queue" actor={actor} path="/staff/credentials">
      <h1>Credentialing queue</h1>
      <p class="muted">Submitted applications, oldest first. Returned applications wait for their applicant and are not listed.</p>
      {items.length === 0 ? <p>Nothing waiting.</p> : (
        <table class="queue">
          <thead><tr><th>Applicant</th><th>Institution</th><th>Submitted</th><th>Stage</th></tr></thead>
          <tbody>
            {items.map((item) => (
              <tr>
                <td><a href={`/staff/credentials/${item.id}`}>{item.fullName ?? item.applicant.username}</a> <span class="muted">@{item.applicant.username}</span></td>
                <td>{item.institution}</td>
                <td>{when(item.submittedAt)}</td>
                <td>{item.stage ? STAGE_LABELS[item.stage] : '—'}{item.stages[1]?.state !== 'done' ? <span class="muted"> · reference {STATE_LABELS[item.stages[1]!.state]}</span> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

type Review = ReturnType<typeof presentReview>;

/** One decision form. Each posts on its own, so a page without scripts needs no state between them. */
function StepForm(props: { id: string; step: string; label: string; field?: { name: string; label: string }; danger?: boolean; state: FormState }) {
  const state = props.state.values?.step === props.step ? props.state : {};
  return (
    <form method="post" action={`/staff/credentials/${props.id}/${props.step}`} class="stack step">
      {props.field ? <TextArea label={props.field.label} name={props.field.name} id={`${props.step}-${props.field.name}`} state={state} rows={3} /> : null}
      <button type="submit" class={props.danger ? 'danger' : undefined}>{props.label}</button>
    </form>
  );
}

export function ReviewPage({ actor, review, state, notice }: { actor: Actor; review: Review; state: FormState; notice?: string }) {
  const s = review.profileSnapshot;
  const ref = review.reference;
  return (
    <Layout title={`Credential application · ${s?.fullName ?? review.applicant.username}`} actor={actor} path={`/staff/credentials/${review.id}`}>
      <p><a href="/staff/credentials">← Queue</a></p>
      <h1>{s?.fullName ?? review.applicant.username} <span class={`badge status-${review.status}`}>{review.status}</span></h1>
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      <FormError state={state} fields={['note', 'comment', 'reason']} />
      {review.status === 'submitted' ? <StageList application={review} /> : null}
      <div class="review-layout">
        <section class="card facts">
          <h2>Profile as submitted</h2>
          <dl>
            <dt>Account</dt><dd>@{review.applicant.username} ({review.applicant.email})</dd>
            <dt>Institution</dt><dd>{s?.institution}</dd>
            <dt>Job title</dt><dd>{s?.jobTitle}</dd>
            <dt>Category</dt><dd>{s?.category}</dd>
            <dt>Country</dt><dd>{s?.countryName}</dd>
            <dt>ORCID</dt><dd>{s?.orcid ? <a href={`https://orcid.org/${s.orcid}`} rel="noreferrer noopener">{s.orcid}</a> : '—'}</dd>
            <dt>Web page</dt><dd>{s?.website ? <a href={s.website} rel="noreferrer noopener nofollow">{s.website}</a> : '—'}</dd>
          </dl>
        </section>
        <section class="card facts">
          <h2>Reference</h2>
          {ref ? (
            <dl>
              <dt>Name</dt><dd>{ref.name}</dd>
              <dt>Email</dt><dd>{ref.email}</dd>
              <dt>Relationship</dt><dd>{ref.relationship}</dd>
              <dt>Answer</dt><dd data-testid="reference-state">{STATE_LABELS[ref.state]} {ref.respondedAt ? when(ref.respondedAt) : <>· link valid until {when(ref.expiresAt)}</>}</dd>
              <dt>Note</dt><dd>{ref.note ?? '—'}</dd>
            </dl>
          ) : <p class="muted">Not asked yet.</p>}
        </section>
      </div>
      <section class="card">
        <h2>Research summary</h2>
        <p class="prewrap">{review.researchSummary}</p>
      </section>
      {review.status === 'submitted' ? (
        <section class="card decisions">
          <h2>Decide</h2>
          {!review.identityCheckedAt ? <StepForm id={review.id} step="identity-check" label="Mark identity checked" field={{ name: 'note', label: 'How you checked (staff only, optional)' }} state={state} /> : <p>Identity checked {when(review.identityCheckedAt)}.</p>}
          {review.canApprove
            ? <StepForm id={review.id} step="approve" label="Approve" field={{ name: 'comment', label: 'Comment to the applicant (optional)' }} state={state} />
            : <p class="muted">Approval opens once the identity is checked and the reference has confirmed.</p>}
          <StepForm id={review.id} step="return" label="Return for changes" field={{ name: 'comment', label: 'What must change (shown to the applicant)' }} state={state} />
          <StepForm id={review.id} step="reject" label="Reject" danger field={{ name: 'reason', label: 'Reason (shown to the applicant)' }} state={state} />
        </section>
      ) : null}
      {review.status === 'approved' ? (
        <section class="card decisions">
          <h2>Revoke</h2>
          <StepForm id={review.id} step="revoke" label="Revoke credential" danger field={{ name: 'reason', label: 'Reason (shown to the researcher)' }} state={state} />
        </section>
      ) : null}
      <section>
        <h2>History</h2>
        <ol class="timeline">
          {review.events.map((e) => (
            <li>
              {when(e.at)} <strong>{EVENT_LABELS[e.action] ?? e.action}</strong> <span class="muted">by {e.actor ? `@${e.actor}` : e.by}</span>
              {e.comment ? <blockquote>{e.internal ? <span class="muted">[staff only] </span> : null}{e.comment}</blockquote> : null}
            </li>
          ))}
        </ol>
        {review.earlierApplications.length > 0 ? (
          <>
            <h2>Earlier applications</h2>
            <ul>{review.earlierApplications.map((a) => <li><a href={`/staff/credentials/${a.id}`}>{a.status}</a> {when(a.decidedAt)} {a.revokeReason ?? a.decisionComment ?? ''}</li>)}</ul>
          </>
        ) : null}
      </section>
    </Layout>
  );
}
