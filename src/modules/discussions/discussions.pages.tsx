import type { Actor } from '../access/actor.ts';
import type { SanitizedHtml } from '../../lib/markdown.ts';
import { renderMarkdown } from '../../lib/markdown.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { FormError, type FormState } from '../web/form.tsx';
import { Layout } from '../web/layout.tsx';
import { fieldMessage, formatDateTime, loginPath, repoPagePath } from '../web/web.support.ts';
import type { CommentView } from './discussions.models.ts';
import type { ThreadRow } from './discussions.repository.ts';

/** A labelled text area whose error, when the use case blamed it, is shown under it. */
export function TextArea({ label, name, state, rows = 5, hint }: { label: string; name: string; state: FormState; rows?: number; hint?: string }) {
  const error = state.error?.field === name ? fieldMessage(state.error) : null;
  return (
    <label class={error ? 'field invalid' : 'field'}>
      <span>{label}</span>
      <textarea name={name} id={name} rows={rows} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? `${name}-error` : undefined}>{state.values?.[name] ?? ''}</textarea>
      {hint ? <small class="muted">{hint}</small> : null}
      {error ? <small class="field-error" id={`${name}-error`}>{error}</small> : null}
    </label>
  );
}

function BlockedNote({ repo }: { repo: RepositoryRow }) {
  if (!repo.blockedAt) return null;
  return <p class="notice error" data-testid="blocked-note">This repository is blocked by the platform moderators (reason: {repo.blockedReason}). Its files are not served, but its discussion stays open.</p>;
}

export function ThreadListPage(props: { actor: Actor; repo: RepositoryRow; threads: { thread: ThreadRow; author: string }[]; state: FormState }) {
  const { actor, repo, threads, state } = props;
  const path = `${repoPagePath(repo)}/discussions`;
  return (
    <Layout title={`Discussions · ${repo.namespace}/${repo.name}`} actor={actor} path={path}>
      <p><a href={repoPagePath(repo)}>← {repo.namespace}/{repo.name}</a></p>
      <h1>Discussions</h1>
      <BlockedNote repo={repo} />
      {threads.length === 0 ? <p class="muted">No discussions yet.</p> : (
        <ul class="repo-list" data-testid="threads">
          {threads.map(({ thread, author }) => (
            <li>
              <a href={`${path}/${thread.id}`}>{thread.title}</a>
              {thread.kind === 'appeal' ? <span class="badge blocked">Appeal</span> : null}
              {thread.lockedAt ? <span class="badge">Locked</span> : null}
              <span class="muted"> by {author}, last activity {formatDateTime(thread.lastActivityAt)}</span>
            </li>
          ))}
        </ul>
      )}
      <h2>Start a discussion</h2>
      {actor.kind === 'anonymous' ? <p><a href={loginPath(path)}>Sign in</a> to start a discussion.</p> : (
        <form method="post" action={path} class="stack" novalidate>
          <FormError state={state} fields={['title', 'body']} />
          <label class={state.error?.field === 'title' ? 'field invalid' : 'field'}>
            <span>Title</span>
            <input type="text" name="title" id="title" value={state.values?.title ?? ''} />
            {state.error?.field === 'title' ? <small class="field-error">{fieldMessage(state.error)}</small> : null}
          </label>
          <TextArea label="Comment (markdown)" name="body" state={state} />
          <button type="submit">Start discussion</button>
        </form>
      )}
    </Layout>
  );
}

export interface ThreadPageProps {
  actor: Actor;
  repo: RepositoryRow;
  view: { thread: ThreadRow; author: string; lockedBy: string | null; comments: CommentView[] };
  canModerate: boolean;
  canComment: boolean;
  state: FormState;
}

export function ThreadPage({ actor, repo, view, canModerate, canComment, state }: ThreadPageProps) {
  const { thread } = view;
  const path = `${repoPagePath(repo)}/discussions/${thread.id}`;
  return (
    <Layout title={`${thread.title} · ${repo.namespace}/${repo.name}`} actor={actor} path={path}>
      <p><a href={`${repoPagePath(repo)}/discussions`}>← Discussions of {repo.namespace}/{repo.name}</a></p>
      <h1 data-testid="thread-title">{thread.title}</h1>
      {thread.kind === 'appeal' ? <p class="notice">An appeal against the block. Only the repository's publishers and the platform moderators see this thread.</p> : null}
      <BlockedNote repo={repo} />
      {thread.lockedAt ? <p class="notice" data-testid="locked-note">Locked by {view.lockedBy ?? 'a moderator'} on {formatDateTime(thread.lockedAt)}. Reason: {thread.lockReason}</p> : null}
      <FormError state={state} fields={['body', 'reason']} />
      <ol class="timeline" data-testid="comments">
        {view.comments.map((c) => <Comment comment={c} path={path} canModerate={canModerate} />)}
      </ol>
      {canComment ? (
        <form method="post" action={`${path}/comments`} class="stack" novalidate>
          <TextArea label="Your comment (markdown)" name="body" state={state} />
          <button type="submit">Comment</button>
        </form>
      ) : actor.kind === 'anonymous' ? <p><a href={loginPath(path)}>Sign in</a> to comment.</p> : null}
      {canModerate ? (
        <form method="post" action={`${path}/${thread.lockedAt ? 'unlock' : 'lock'}`} class="stack" data-testid="lock-form">
          {thread.lockedAt ? null : <label class="field"><span>Reason for locking</span><input type="text" name="reason" /></label>}
          <button type="submit">{thread.lockedAt ? 'Unlock thread' : 'Lock thread'}</button>
        </form>
      ) : null}
    </Layout>
  );
}

function Comment({ comment, path, canModerate }: { comment: CommentView; path: string; canModerate: boolean }) {
  // Comments are untrusted markdown: only the sanitizer's output is put into the page raw.
  const html: SanitizedHtml | null = comment.body === null ? null : renderMarkdown(comment.body);
  return (
    <li data-testid="comment" data-hidden={comment.hidden ? 'true' : 'false'}>
      <p class="muted"><strong>{comment.author}</strong> · {formatDateTime(comment.createdAt)}</p>
      {comment.hidden ? (
        <>
          <p class="notice" data-testid="hidden-note">Hidden by {comment.hidden.by} on {formatDateTime(comment.hidden.at)}. Reason: {comment.hidden.reason}</p>
          {/* Shown as plain text, never rendered: what was hidden may be exactly what must not become active. */}
          {comment.hiddenBody !== null ? <details data-testid="hidden-text"><summary>Hidden text (shown to moderators and its author only)</summary><p class="prewrap">{comment.hiddenBody}</p></details> : null}
        </>
      ) : <div class="markdown" dangerouslySetInnerHTML={{ __html: html! }} />}
      {canModerate && !comment.hidden ? (
        <form method="post" action={`${path}/comments/${comment.id}/hide`} class="inline">
          <input type="text" name="reason" placeholder="Reason for hiding" aria-label="Reason for hiding" />
          <button type="submit" class="link">Hide</button>
        </form>
      ) : null}
    </li>
  );
}

export function AppealPage({ actor, repo, state }: { actor: Actor; repo: RepositoryRow; state: FormState }) {
  const path = `${repoPagePath(repo)}/appeal`;
  return (
    <Layout title={`Appeal · ${repo.namespace}/${repo.name}`} actor={actor} path={path}>
      <p><a href={repoPagePath(repo)}>← {repo.namespace}/{repo.name}</a></p>
      <h1>Appeal against the block</h1>
      <BlockedNote repo={repo} />
      <p>Write to the platform moderators. Your appeal opens a thread that only this repository's publishers and the moderators see; the moderator who blocked is notified.</p>
      <form method="post" action={path} class="stack" novalidate>
        <FormError state={state} fields={['body']} />
        <TextArea label="Your appeal (markdown)" name="body" state={state} rows={8} />
        <button type="submit">Send appeal</button>
      </form>
    </Layout>
  );
}
