import { renderMarkdown } from '../../lib/markdown.ts';
import type { CommentView } from './discussions.models.ts';
import type { ThreadRow } from './discussions.repository.ts';

/** Comments are untrusted markdown: the API sends the source and the sanitized HTML, never raw HTML. */
export const presentComment = (c: CommentView) => ({
  id: c.id,
  author: c.author,
  createdAt: c.createdAt.toISOString(),
  hidden: c.hidden ? { at: c.hidden.at.toISOString(), by: c.hidden.by, reason: c.hidden.reason } : null,
  body: c.body,
  html: c.body === null ? null : renderMarkdown(c.body),
  ...(c.hiddenBody !== null ? { hiddenBody: c.hiddenBody } : {}),
});

export const presentThreadSummary = (t: ThreadRow, author: string) => ({
  id: t.id,
  kind: t.kind,
  title: t.title,
  author,
  createdAt: t.createdAt.toISOString(),
  lastActivityAt: t.lastActivityAt.toISOString(),
  locked: t.lockedAt !== null,
});

export const presentThread = (view: { thread: ThreadRow; author: string; lockedBy: string | null; comments: CommentView[] }) => ({
  ...presentThreadSummary(view.thread, view.author),
  lock: view.thread.lockedAt ? { at: view.thread.lockedAt.toISOString(), by: view.lockedBy, reason: view.thread.lockReason } : null,
  comments: view.comments.map(presentComment),
});
