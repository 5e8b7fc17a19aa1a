import type { AppDeps } from '../../app/deps.ts';
import type { AppContext } from '../../app/context.ts';
import type { Actor } from '../access/actor.ts';
import { actorTokenId, actorUserId } from '../access/actor.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';

/**
 * Below this, a response is served by Airlock even from S3: the JS client's `bytes=0-0` probe must
 * see our sha256 ETag (it reads the headers of the final response, S3's after a redirect), and a
 * redirect costs a round trip more than the few bytes are worth.
 */
export const REDIRECT_MIN_BYTES = 1024 * 1024;

/**
 * Whether a GET may go straight to object storage. Only LFS files: their ETag (the sha256) is on
 * the 3xx as `X-Linked-Etag`, which the clients prefer; a small file's git-sha1 ETag is not. Never
 * a fingerprinted copy (the caller checks): each recipient's bytes differ from the stored ones.
 */
export function canRedirect(deps: AppDeps, file: { lfs: boolean }, length: number): boolean {
  return deps.config.s3Redirect && deps.blobs.presignDownload !== undefined && file.lfs && length >= REDIRECT_MIN_BYTES;
}

/**
 * A 302 to a short-lived presigned URL. Access was decided as for any download; the audit record
 * is written before the URL is handed out (a URL is never given without its record), and says the
 * bytes were redirected, since Airlock does not see how many the client then fetches.
 */
export async function redirectToStorage(c: AppContext, deps: AppDeps, input: {
  actor: Actor;
  repoId: string;
  commit: string;
  path: string;
  blobSha256: string;
  size: number;
  range: { start: number; end: number } | null;
  headers: Record<string, string>;
}): Promise<Response> {
  const expiresInSeconds = deps.config.s3PresignSeconds;
  const location = await deps.blobs.presignDownload!(input.blobSha256, { contentDisposition: input.headers['Content-Disposition']!, expiresInSeconds });
  await recordAuditEvent(deps.db, {
    action: 'file.downloaded',
    actorUserId: actorUserId(input.actor),
    actorTokenId: actorTokenId(input.actor),
    repoId: input.repoId,
    ip: c.get('clientIp'),
    details: {
      path: input.path,
      commit: input.commit,
      range: input.range ? `${input.range.start}-${input.range.end}` : null,
      size: input.size,
      delivery: 'redirect',
      bytesRedirected: input.range ? input.range.end - input.range.start + 1 : input.size,
      expiresInSeconds,
      userAgent: c.req.header('user-agent') ?? null,
    },
  });
  const { 'Content-Range': _range, 'Content-Length': _length, 'Content-Disposition': _disposition, ...kept } = input.headers;
  return c.body(null, 302, {
    ...kept,
    Location: location,
    // The URL is a credential for a few minutes: no shared cache may keep it for someone else.
    'Cache-Control': 'private, no-store',
    'Content-Length': '0',
  });
}
