import type { Actor } from '../access/actor.ts';
import { Field, FormError, type FormState } from '../web/form.tsx';
import { Layout } from '../web/layout.tsx';
import { formatDateTime } from '../web/web.support.ts';
import { WEBHOOK_EVENTS } from './webhooks.models.ts';
import type { DeliveryRow, EndpointRow } from './webhooks.repository.ts';

export interface EndpointView {
  endpoint: EndpointRow;
  deliveries: { delivery: DeliveryRow; attempts: { attempt: number; startedAt: Date; durationMs: number; responseStatus: number | null; error: string | null }[] }[];
}

export interface WebhooksPageProps {
  actor: Actor;
  scopeLabel: string;
  /** Where the scope's own page is (the repository, or the organisation's first repository list). */
  backPath: string;
  path: string;
  endpoints: EndpointView[];
  canChange: boolean;
  /** The secret of an endpoint just created: shown this once. */
  createdSecret?: string;
  form?: FormState;
}

/** Settings → Webhooks: the endpoints, the form to add one, and each endpoint's delivery history. */
export function WebhooksPage(props: WebhooksPageProps) {
  const { actor, scopeLabel, path, endpoints, canChange } = props;
  const form = props.form ?? {};
  return (
    <Layout title={`Webhooks · ${scopeLabel}`} actor={actor} path={path}>
      <>
        <p><a href={props.backPath}>{scopeLabel}</a> › Settings</p>
        <h1>Webhooks</h1>
        <p>
          Airlock posts a JSON payload to each endpoint when an event happens here, signed with the endpoint's secret:
          the <code>X-Airlock-Signature</code> header is <code>sha256=</code> and the HMAC-SHA256 of{' '}
          <code>{'<X-Airlock-Timestamp>.<body>'}</code>. A delivery that fails or takes longer than the time limit is
          retried later, with growing delays.
        </p>
        {props.createdSecret ? (
          <p class="notice" role="status">Endpoint added. Its signing secret, shown only now: <code>{props.createdSecret}</code></p>
        ) : null}
        {endpoints.length === 0 ? <p>No endpoints yet.</p> : null}
        {endpoints.map(({ endpoint, deliveries }) => (
          <section>
            <h2><code>{endpoint.url}</code></h2>
            <p>Events: {endpoint.events.length ? endpoint.events.join(', ') : 'all'}. Added {formatDateTime(endpoint.createdAt)}.</p>
            {canChange ? (
              <form method="post" action={`${path}/${endpoint.id}/delete`}><button type="submit">Delete this endpoint</button></form>
            ) : null}
            {deliveries.length === 0 ? <p>No deliveries yet.</p> : (
              <table>
                <thead><tr><th>event</th><th>created</th><th>status</th><th>attempts</th><th>last answer</th></tr></thead>
                <tbody>
                  {deliveries.map(({ delivery, attempts }) => (
                    <tr>
                      <td>{delivery.event}</td>
                      <td>{formatDateTime(delivery.createdAt)}</td>
                      <td>{delivery.status}{delivery.status === 'pending' && delivery.attempts > 0 ? ` (next try ${formatDateTime(delivery.nextAttemptAt)})` : ''}</td>
                      <td>{attempts.length}</td>
                      <td>{attempts.length ? attempts.map((a) => `#${a.attempt}: ${a.responseStatus ?? a.error} (${a.durationMs} ms)`).join('; ') : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        ))}
        {canChange ? (
          <form method="post" action={path}>
            <h2>Add an endpoint</h2>
            <FormError state={form} fields={['url', 'events']} />
            <Field label="Endpoint URL (https://)" name="url" type="url" state={form} required />
            <fieldset>
              <legend>Events (none chosen: all)</legend>
              {WEBHOOK_EVENTS.map((event) => <label><input type="checkbox" name="events" value={event} /> {event}</label>)}
            </fieldset>
            <button type="submit">Add endpoint</button>
          </form>
        ) : null}
      </>
    </Layout>
  );
}
