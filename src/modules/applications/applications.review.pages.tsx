import type { Actor } from '../access/actor.ts';
import { TextArea } from '../credentials/credentials.pages.tsx';
import { FormError, type FormState } from '../web/form.tsx';
import { Layout } from '../web/layout.tsx';
import { formatDateTime } from '../web/web.support.ts';
import type { presentReview } from './applications.presenters.ts';

/** The reviewers' pages: the queue, and one application with everything needed to decide it. */

export interface QueueRow { id: string; repository: string; applicant: string; submittedAt: string | null; recused: boolean; voted: boolean; purpose: string | null }

export function ReviewQueuePage({ actor, rows, nextHref }: { actor: Actor; rows: QueueRow[]; nextHref: string | null }) {
  return (
    <Layout title="Review queue" actor={actor} path="/review">
      <h1>Review queue</h1>
      <p class="muted">Applications to repositories whose committee you sit on (or that you publish, under the one-approver rule). Never your own.</p>
      {rows.length === 0 ? <p class="muted">Nothing waits for you.</p> : (
        <table data-testid="review-queue">
          <thead><tr><th>Repository</th><th>Applicant</th><th>Submitted</th><th>Your part</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td><a href={`/review/${r.id}`}>{r.repository}</a></td>
                <td>{r.applicant}</td>
                <td>{r.submittedAt ? formatDateTime(new Date(r.submittedAt)) : ''}</td>
                <td>{r.recused ? 'recused' : r.voted ? 'voted' : 'to vote'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextHref ? <p><a href={nextHref} rel="next" data-testid="review-queue-next">Later applications →</a></p> : null}
    </Layout>
  );
}

type Review = ReturnType<typeof presentReview>;

export function ReviewPage({ actor, review, state, notice }: { actor: Actor; review: Review; state: FormState; notice?: string }) {
  const open = review.status === 'submitted';
  const a = review.applicant;
  const base = `/review/${review.id}`;
  return (
    <Layout title={`Application to ${review.repository.id}`} actor={actor} path={base}>
      <h1>Application by {a.displayName} (@{a.username}) to {review.repository.id}</h1>
      <p data-testid="application-status">Status: <strong>{review.status}</strong> · round {review.round}{review.decisionReason ? <> · reason: {review.decisionReason}</> : null}</p>
      {review.renewalOf ? <p class="notice" data-testid="renewal">A renewal: the applicant holds a grant{review.renewalOf.endsAt ? ` ending ${review.renewalOf.endsAt.slice(0, 10)}` : ''}, which an approval replaces.</p> : null}
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      <FormError state={state} fields={['comment', 'conditions', 'text', 'reason']} />
      <div class="review-layout">
        <section class="card" data-testid="applicant-facts">
          <h2>Applicant</h2>
          <dl>
            <dt>Researcher credential</dt><dd>{a.credential.active ? `credentialed since ${a.credential.approvedAt ? formatDateTime(new Date(a.credential.approvedAt)) : '?'}` : a.credential.status ?? 'none'}</dd>
            <dt>Trainings</dt>
            <dd>{(a.trainings as { title: string; state: string; expiresAt?: string | null }[]).length === 0 ? 'none required' : (
              <ul>{(a.trainings as { title: string; state: string; expiresAt?: string | null }[]).map((t) => <li>{t.title}: {t.state}{t.expiresAt ? ` until ${t.expiresAt.slice(0, 10)}` : ''}</li>)}</ul>
            )}</dd>
            <dt>Signatures</dt><dd><ul>{review.signatures.map((s) => <li>{s.agreement.title} v{s.version} as “{s.signedName}”</li>)}</ul></dd>
          </dl>
          <h2>Research statement</h2>
          <p class="prewrap" data-testid="statement">{review.purpose}</p>
          {Object.keys(review.fields).length ? (
            <>
              <h2>Answers</h2>
              <dl>{Object.entries(review.fields).map(([k, v]) => <><dt>{k}</dt><dd>{Array.isArray(v) ? v.join(', ') : String(v)}</dd></>)}</dl>
            </>
          ) : null}
        </section>
        <section class="card">
          <h2>Votes</h2>
          <ul data-testid="votes">{review.votes.map((v) => <li>round {v.round}: {v.reviewer} — {v.decision}{v.comment ? `: ${v.comment}` : ''}{v.conditions.length ? ` (conditions: ${v.conditions.join('; ')})` : ''}</li>)}</ul>
          {review.conflicts.length ? <p class="muted">Recused: {review.conflicts.map((c) => c.reviewer).join(', ')}</p> : null}
          {open && !review.you.recused && !review.you.voted ? (
            <form method="post" action={`${base}/vote`} class="stack" data-testid="vote-form" novalidate>
              <fieldset>
                <legend>Your vote</legend>
                <label class="inline-option"><input type="radio" name="decision" value="approve" checked={state.values?.decision === 'approve'} /> Approve</label>
                <label class="inline-option"><input type="radio" name="decision" value="reject" checked={state.values?.decision === 'reject'} /> Reject</label>
                <label class="inline-option"><input type="radio" name="decision" value="return" checked={state.values?.decision === 'return'} /> Return for changes</label>
              </fieldset>
              <TextArea label="Reason (the applicant reads it; needed to reject or return)" name="comment" state={state} rows={3} />
              <TextArea label="Special conditions on the grant, one per line (with an approval)" name="conditions" state={state} rows={2} />
              <button type="submit">Cast vote</button>
            </form>
          ) : <p class="muted">{review.you.recused ? 'You are recused from this application.' : review.you.voted ? 'You have voted in this round.' : 'This application takes no votes now.'}</p>}
          <h2>Discussion (reviewers only)</h2>
          <ul data-testid="comments">{review.comments.map((c) => <li><strong>{c.author}</strong> {c.at ? formatDateTime(new Date(c.at)) : null}: {c.text}</li>)}</ul>
          {!review.you.recused ? (
            <form method="post" action={`${base}/comment`} class="stack" novalidate>
              <TextArea label="Comment" name="text" state={state} rows={2} />
              <button type="submit">Add comment</button>
            </form>
          ) : null}
          {!review.you.recused ? (
            <form method="post" action={`${base}/conflict`} class="stack" novalidate>
              <TextArea label="Declare a conflict of interest (you will be recused)" name="reason" state={state} rows={2} />
              <button type="submit" class="secondary">Declare conflict</button>
            </form>
          ) : null}
        </section>
      </div>
      <section>
        <h2>History</h2>
        <ol class="timeline">{review.events.map((e) => <li>{e.at ? formatDateTime(new Date(e.at)) : null} <strong>{e.action}</strong> by {e.actor ?? e.by}{e.comment ? `: ${e.comment}` : ''}</li>)}</ol>
      </section>
    </Layout>
  );
}
