/**
 * Pure rules of discussions. A thread is an ordinary discussion (public wherever the repository
 * is visible) or an appeal against a platform block (seen only by the repository's publishers and
 * the platform moderators, because it argues with the moderators about a decision).
 */
export const THREAD_KINDS = ['discussion', 'appeal'] as const;
export type ThreadKind = (typeof THREAD_KINDS)[number];

export const TITLE_MAX = 200;
export const COMMENT_MAX = 20_000;

/** What a reader sees of a comment: a hidden one keeps its place, author and the reason, not its text. */
export interface CommentView {
  id: string;
  author: string;
  createdAt: Date;
  hidden: { at: Date; by: string; reason: string } | null;
  /** Null when hidden. */
  body: string | null;
  /** A hidden comment's text, for the moderators and its author only (who must see what was hidden to review or appeal it). */
  hiddenBody: string | null;
}

export function commentView(row: { id: string; body: string; createdAt: Date; hiddenAt: Date | null; hiddenReason: string | null }, author: string, hiddenBy: string | null, mayReadHidden = false): CommentView {
  const hidden = row.hiddenAt ? { at: row.hiddenAt, by: hiddenBy ?? 'a moderator', reason: row.hiddenReason ?? '' } : null;
  return { id: row.id, author, createdAt: row.createdAt, hidden, body: hidden ? null : row.body, hiddenBody: hidden && mayReadHidden ? row.body : null };
}
