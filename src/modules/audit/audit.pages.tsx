import type { Actor } from '../access/actor.ts';
import { Field, FormError, type FormState } from '../web/form.tsx';
import { Layout } from '../web/layout.tsx';
import { formatDateTime } from '../web/web.support.ts';
import type { presentAuditRow } from './audit.read.usecases.ts';

/** The audit pages: the platform admins' search, and one repository's records for its admins. */

type Row = ReturnType<typeof presentAuditRow>;

function RecordTable({ rows, showRepo }: { rows: Row[]; showRepo: boolean }) {
  if (rows.length === 0) return <p>No records match.</p>;
  return (
    <table class="audit">
      <thead><tr><th>#</th><th>Time</th><th>Action</th><th>User</th>{showRepo ? <th>Repository</th> : null}<th>Address</th><th>Details</th></tr></thead>
      <tbody>
        {rows.map((r) => (
          <tr data-testid="audit-row">
            <td>{r.seq}</td>
            <td><time datetime={r.at}>{formatDateTime(new Date(r.at))}</time></td>
            <td><code>{r.action}</code></td>
            <td>{r.user ?? '—'}{r.actorTokenId ? <span class="muted"> (token)</span> : null}</td>
            {showRepo ? <td>{r.repo ?? '—'}</td> : null}
            <td>{r.ip ?? '—'}</td>
            <td><code class="details">{JSON.stringify(r.details)}</code></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The query string of the next page: the same filters, older records. */
const nextHref = (path: string, values: Record<string, string>, next: number) => {
  const params = new URLSearchParams(Object.entries(values).filter(([k, v]) => v && k !== 'before'));
  params.set('before', String(next));
  return `${path}?${params.toString()}`;
};

export function AdminAuditPage({ actor, rows, next, state }: { actor: Actor; rows: Row[]; next: number | null; state: FormState }) {
  const values = state.values ?? {};
  return (
    <Layout title="Audit log" actor={actor} path="/admin/audit">
      <h1>Audit log</h1>
      <p class="muted">Every security-relevant event on the platform, newest first. Records are hash-chained and signed; check them with <code>airlock audit verify</code>.</p>
      <form method="get" action="/admin/audit" class="filters">
        <FormError state={state} fields={['user', 'repo', 'action', 'from', 'to']} />
        <Field label="User" name="user" state={state} hint="username of who acted" />
        <Field label="Repository" name="repo" state={state} hint="OWNER/NAME, or datasets/OWNER/NAME" />
        <Field label="Action" name="action" state={state} hint="e.g. file.downloaded, or a family such as grant." />
        <Field label="From" name="from" state={state} hint="YYYY-MM-DD or ISO time" />
        <Field label="To" name="to" state={state} hint="YYYY-MM-DD (inclusive) or ISO time" />
        <button type="submit">Search</button>
      </form>
      <RecordTable rows={rows} showRepo={true} />
      {next !== null ? <p><a href={nextHref('/admin/audit', values, next)} rel="next">Older records →</a></p> : null}
    </Layout>
  );
}

export function RepoAuditPage(props: { actor: Actor; repoLabel: string; pagePath: string; exportPath: string; rows: Row[]; next: number | null; state: FormState }) {
  const { actor, repoLabel, pagePath, exportPath, rows, next, state } = props;
  const values = state.values ?? {};
  return (
    <Layout title={`Audit · ${repoLabel}`} actor={actor} path={pagePath}>
      <p><a href={pagePath.replace(/\/audit$/, '')}>← {repoLabel}</a></p>
      <h1>Audit records of {repoLabel}</h1>
      <p>
        Download every record as JSON Lines, each with its chain position, hashes and a proof against a signed
        checkpoint: <a href={exportPath} download data-testid="audit-export">export (.jsonl)</a>. Check it offline with{' '}
        <code>airlock audit verify-export FILE --keys keys.json</code> (the key set is at <a href="/.well-known/airlock/keys.json">/.well-known/airlock/keys.json</a>).
      </p>
      <form method="get" action={exportPath} class="filters">
        <Field label="Export records since" name="since" state={state} hint="YYYY-MM-DD or ISO time; empty for all" />
        <button type="submit">Export</button>
      </form>
      <form method="get" action={pagePath} class="filters">
        <FormError state={state} fields={['action', 'from', 'to']} />
        <Field label="Action" name="action" state={state} />
        <Field label="From" name="from" state={state} />
        <Field label="To" name="to" state={state} />
        <button type="submit">Filter</button>
      </form>
      <RecordTable rows={rows} showRepo={false} />
      {next !== null ? <p><a href={nextHref(pagePath, values, next)} rel="next">Older records →</a></p> : null}
    </Layout>
  );
}
