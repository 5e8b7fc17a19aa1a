import type { AppDeps } from '../../app/deps.ts';
import { isAppError } from '../../lib/errors.ts';
import { actorTokenId, actorUserId, type Actor } from '../access/actor.ts';
import { findRepository } from '../repos/repos.repository.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { recordAuditEvent, type AuditContext } from './audit.repository.ts';

/**
 * Records a refused download (401/403: gated, blocked, no-download, requirement unmet). Allowed
 * downloads are recorded by their own `file.downloaded` event, with the bytes actually sent, so
 * together every access decision on the files is in the log. A 404 (an invisible repository)
 * is not recorded against it: it would tell the log that a private repository was probed.
 */
export async function recordDownloadDenial(deps: AppDeps, error: unknown, input: { actor: Actor; ref: { type: RepoType; namespace: string; name: string }; path: string; revision: string; audit: AuditContext }) {
  if (!isAppError(error) || (error.status !== 401 && error.status !== 403)) return;
  try {
    const repo = await findRepository(deps.db, input.ref.type, input.ref.namespace, input.ref.name);
    if (!repo) return;
    await recordAuditEvent(deps.db, {
      action: 'access.denied',
      actorUserId: actorUserId(input.actor),
      actorTokenId: actorTokenId(input.actor),
      repoId: repo.id,
      ip: input.audit.ip,
      details: { path: input.path, revision: input.revision, code: error.code, status: error.status, userAgent: input.audit.userAgent ?? null },
    });
  } catch (failure) {
    // The refusal stands whatever happens here; a failure to record it is logged, not shown.
    deps.logger.error({ err: failure }, 'could not record a refused download in the audit log');
  }
}
