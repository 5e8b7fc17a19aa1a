import type { Actor } from '../access/actor.ts';
import type { CardDiff, CardChange, Segment } from '../repos/card-history.models.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { FormError, type FormState } from './form.tsx';
import { Layout } from './layout.tsx';
import { fieldMessage, formatDateTime, repoPagePath } from './web.support.ts';

export interface CardHistoryEntry {
  commit: string;
  author: string;
  createdAt: Date;
  message: string;
  change: CardChange;
}

const short = (commit: string) => commit.slice(0, 12);
const CHANGE_TEXT: Record<CardChange, string> = { added: 'Card added', modified: 'Card edited', deleted: 'Card deleted' };

function RepoTitle({ repo, what }: { repo: RepositoryRow; what: string }) {
  const path = repoPagePath(repo);
  return (
    <header class="repo-header">
      <p class="kind"><a href={path}>{repo.namespace}/{repo.name}</a></p>
      <h1>{what}</h1>
    </header>
  );
}

/** Who changed the card, when and why; any two versions can be compared. Every string is escaped by JSX. */
export function CardHistoryPage({ actor, repo, history, canEdit }: { actor: Actor; repo: RepositoryRow; history: CardHistoryEntry[]; canEdit: boolean }) {
  const path = repoPagePath(repo);
  return (
    <Layout title={`Card history · ${repo.namespace}/${repo.name}`} actor={actor} path={`${path}/card/history`}>
      <RepoTitle repo={repo} what="Model card history" />
      <p class="muted">
        Every change to the card (README.md) is a commit. Pick two versions to compare them.{' '}
        <a href={`${path}/transparency`}>Transparency report</a>{canEdit ? <> · <a href={`${path}/card/edit`}>Edit the card</a></> : null}
      </p>
      {history.length === 0 ? <p class="muted">The card has never been written.</p> : (
        <form method="get" action={`${path}/card/compare`}>
          <table data-testid="card-history">
            <thead><tr><th>From</th><th>To</th><th>Commit</th><th>Change</th><th>Author</th><th>When</th><th>Message</th></tr></thead>
            <tbody>
              {history.map((h, i) => (
                <tr>
                  <td><input type="radio" name="from" value={h.commit} checked={i === Math.min(1, history.length - 1)} aria-label={`compare from ${short(h.commit)}`} /></td>
                  <td><input type="radio" name="to" value={h.commit} checked={i === 0} aria-label={`compare to ${short(h.commit)}`} /></td>
                  <td><code title={h.commit}>{short(h.commit)}</code></td>
                  <td>{CHANGE_TEXT[h.change]}{history[i + 1] ? <> · <a href={`${path}/card/compare?from=${history[i + 1]!.commit}&to=${h.commit}`}>diff</a></> : null}</td>
                  <td>{h.author}</td>
                  <td><time datetime={h.createdAt.toISOString()}>{formatDateTime(h.createdAt)}</time></td>
                  <td>{h.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p><button type="submit">Compare the selected versions</button></p>
        </form>
      )}
    </Layout>
  );
}

function Segments({ segments, tag }: { segments: Segment[]; tag: 'ins' | 'del' }) {
  return <>{segments.map((s) => (s.changed ? (tag === 'ins' ? <ins>{s.text}</ins> : <del>{s.text}</del>) : s.text))}</>;
}

/** The source diff: removed lines with their changed words struck, added lines with theirs marked. */
export function CardComparePage({ actor, repo, from, to, diff }: { actor: Actor; repo: RepositoryRow; from: string; to: string; diff: CardDiff }) {
  const path = repoPagePath(repo);
  return (
    <Layout title={`Compare card · ${repo.namespace}/${repo.name}`} actor={actor} path={`${path}/card/compare`}>
      <RepoTitle repo={repo} what="Compare card versions" />
      <p>
        From <code title={from}>{short(from)}</code> to <code title={to}>{short(to)}</code>:{' '}
        <span class="diff-stat added" data-testid="diff-added">+{diff.added}</span> <span class="diff-stat removed" data-testid="diff-removed">−{diff.removed}</span> lines.{' '}
        <a href={`${path}/card/history`}>Back to the history</a>
      </p>
      {diff.truncated ? <p class="notice pending">The cards differ too much for a line-by-line comparison; the whole old and new text are shown.</p> : null}
      {diff.rows.length === 0 ? <p class="muted">The two versions of the card are identical.</p> : (
        <table class="diff" data-testid="card-diff">
          <thead><tr><th class="num">Old</th><th class="num">New</th><th></th><th>Line</th></tr></thead>
          <tbody>
            {diff.rows.map((row) => {
              switch (row.kind) {
                case 'skipped':
                  return <tr class="diff-skipped"><td colspan={4} class="muted">… {row.count} unchanged line{row.count === 1 ? '' : 's'} …</td></tr>;
                case 'context':
                  return <tr class="diff-context"><td class="num">{row.oldLine}</td><td class="num">{row.newLine}</td><td class="diff-mark"> </td><td><code>{row.text}</code></td></tr>;
                case 'removed':
                  return <tr class="diff-removed" data-kind="removed"><td class="num">{row.oldLine}</td><td class="num"></td><td class="diff-mark" aria-label="removed">−</td><td><code><Segments segments={row.segments} tag="del" /></code></td></tr>;
                case 'added':
                  return <tr class="diff-added" data-kind="added"><td class="num"></td><td class="num">{row.newLine}</td><td class="diff-mark" aria-label="added">+</td><td><code><Segments segments={row.segments} tag="ins" /></code></td></tr>;
              }
            })}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

/** The browser editor: the whole card as markdown; saving commits it to `main`. */
export function CardEditPage({ actor, repo, content, parentCommit, message, state }: { actor: Actor; repo: RepositoryRow; content: string; parentCommit: string; message: string; state: FormState }) {
  const path = repoPagePath(repo);
  const error = state.error?.field === 'content' ? fieldMessage(state.error) : null;
  const line = typeof state.error?.details?.line === 'number' ? state.error.details.line : null;
  return (
    <Layout title={`Edit card · ${repo.namespace}/${repo.name}`} actor={actor} path={`${path}/card/edit`}>
      <RepoTitle repo={repo} what="Edit the model card" />
      <p class="muted">The card is README.md: markdown with optional YAML front matter between <code>---</code> lines (license, tags, base_model, datasets, intended_use…). Saving makes a commit on <code>main</code> in your name.</p>
      <form method="post" action={`${path}/card/edit`} class="stack wide">
        <FormError state={state} fields={['content', 'message']} />
        <input type="hidden" name="parentCommit" value={parentCommit} />
        <label class={error ? 'field invalid' : 'field'}>
          <span>Card (markdown)</span>
          <textarea name="content" id="content" rows={28} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? 'content-error' : undefined}>{content}</textarea>
          {error ? <small class="field-error" id="content-error" data-line={line ?? undefined}>{error}</small> : null}
        </label>
        <label class="field">
          <span>Commit message</span>
          <input type="text" name="message" id="message" value={message} placeholder="Update model card" />
        </label>
        <div class="buttons">
          <button type="submit">Save the card</button>
          <a href={`${path}/card/history`}>Card history</a>
        </div>
      </form>
    </Layout>
  );
}
