import type { Actor } from '../access/actor.ts';
import type { TokenRow } from '../tokens/tokens.repository.ts';
import { Field, FormError, type FormState } from './form.tsx';
import { Layout } from './layout.tsx';
import { formatDate, formatDateTime } from './web.support.ts';

export interface TokensPageProps {
  actor: Actor;
  tokens: TokenRow[];
  state: FormState;
  /** A token just created: its value is on this one response and nowhere else, ever. */
  created?: { token: TokenRow; value: string };
  notice?: string;
  now: Date;
}

export function TokensPage({ actor, tokens, state, created, notice, now }: TokensPageProps) {
  const tomorrow = formatDate(new Date(now.getTime() + 24 * 3600 * 1000));
  return (
    <Layout title="Access tokens" actor={actor} path="/settings/tokens">
      <h1>Access tokens</h1>
      <p class="muted">
        Tokens let the <code>airlock</code> CLI and the Hugging Face clients act as you
        (for example <code>HF_TOKEN=hf_…</code> with <code>HF_ENDPOINT</code> set to this site).
        A <strong>read</strong> token can download what you may download; a <strong>write</strong> token can also upload and change settings.
      </p>
      {created ? (
        <section class="notice secret" role="status">
          <h2>Token “{created.token.name}” created</h2>
          <p><strong>Copy it now. It is shown only this once:</strong> Airlock keeps only a hash and cannot show it again. If you lose it, revoke it and create another.</p>
          <input class="token-value" type="text" readonly value={created.value} aria-label="New token value" data-testid="new-token" />
        </section>
      ) : null}
      {notice ? <p class="notice" role="status">{notice}</p> : null}
      <section>
        <h2>Your tokens</h2>
        {tokens.length === 0 ? <p class="muted">You have no tokens yet.</p> : <TokenTable tokens={tokens} now={now} />}
      </section>
      <section class="card">
        <h2>Create a token</h2>
        <FormError state={state} fields={['name', 'scope', 'expiresAt']} />
        <form method="post" action="/settings/tokens" class="stack" novalidate>
          <Field label="Name" name="name" state={state} required hint="What it is for, such as “laptop” or “training cluster”." />
          <label class="field">
            <span>Scope</span>
            <select name="scope">
              <option value="read" selected={state.values?.scope !== 'write'}>read: download only</option>
              <option value="write" selected={state.values?.scope === 'write'}>write: download, upload and change settings</option>
            </select>
          </label>
          <Field label="Expires on (optional)" name="expiresAt" type="date" state={state} min={tomorrow} hint="The token stops working at the end of that day (UTC). Leave empty for no expiry." />
          <button type="submit">Create token</button>
        </form>
      </section>
    </Layout>
  );
}

function TokenTable({ tokens, now }: { tokens: TokenRow[]; now: Date }) {
  return (
    <table class="tokens">
      <thead>
        <tr><th>Name</th><th>Scope</th><th>Token</th><th>Created</th><th>Expires</th><th>Last used</th><th></th></tr>
      </thead>
      <tbody>
        {tokens.map((t) => (
          <tr>
            <td>{t.name}</td>
            <td>{t.scope}</td>
            <td><code>{t.displayPrefix}…</code></td>
            <td><time datetime={t.createdAt.toISOString()}>{formatDateTime(t.createdAt)}</time></td>
            <td>{t.expiresAt ? <time datetime={t.expiresAt.toISOString()}>{formatDateTime(t.expiresAt)}{t.expiresAt <= now ? ' (expired)' : ''}</time> : 'never'}</td>
            <td>{t.lastUsedAt ? <time datetime={t.lastUsedAt.toISOString()}>{formatDateTime(t.lastUsedAt)}</time> : 'never'}</td>
            <td>
              <form method="post" action={`/settings/tokens/${t.id}/revoke`} class="inline">
                <button type="submit" class="danger" aria-label={`Revoke ${t.name}`}>Revoke</button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
