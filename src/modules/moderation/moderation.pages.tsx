import type { RepositoryRow } from '../repos/repos.repository.ts';
import { formatDateTime } from '../web/web.support.ts';

/**
 * The takedown side of the repository page: moderators block or unblock with a reason, and a
 * blocked repository's publishers find the way to appeal.
 */
export function ModerationPanel({ repo, path, canModerate, canAppeal }: { repo: RepositoryRow; path: string; canModerate: boolean; canAppeal: boolean }) {
  if (!canModerate && !(canAppeal && repo.blockedAt)) return null;
  return (
    <section class="card" data-testid="moderation-panel">
      <h2>Moderation</h2>
      {repo.blockedAt && canAppeal ? <p><a class="button" href={`${path}/appeal`}>Appeal against the block</a></p> : null}
      {canModerate && repo.blockedAt ? (
        <form method="post" action={`${path}/moderation/unblock`} class="stack">
          <p class="muted">Blocked since {formatDateTime(repo.blockedAt)}.</p>
          <label class="field"><span>Reason for unblocking</span><input type="text" name="reason" id="unblock-reason" /></label>
          <button type="submit">Unblock</button>
        </form>
      ) : null}
      {canModerate && !repo.blockedAt ? (
        <form method="post" action={`${path}/moderation/block`} class="stack">
          <label class="field"><span>Reason for blocking (shown on this page)</span><input type="text" name="reason" id="block-reason" required /></label>
          <button type="submit">Block repository</button>
        </form>
      ) : null}
      {canModerate ? <p class="muted">To restrict it to a stricter access level, decide its <a href={`${path}/assessment`}>risk–benefit assessment</a> with "require a stricter level".</p> : null}
    </section>
  );
}
