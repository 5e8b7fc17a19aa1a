import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppContext } from '../../app/context.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { actorTokenId, actorUserId } from '../access/actor.ts';
import { recordDownloadEvent } from '../audit/audit.download-batch.ts';
import { recipientCopyFor } from '../fingerprints/fingerprints.usecases.ts';
import { fingerprintRange, readEndFor } from '../fingerprints/fingerprints.stream.ts';
import { patchBuffer } from '../fingerprints/fingerprints.models.ts';
import { SCHEME } from '../fingerprints/fingerprints.models.ts';
import { recordDownloadDenial } from '../audit/audit.access.ts';
import { trackDownload } from '../../app/metrics.ts';
import { readAccessEpoch } from '../access/access-epoch.ts';
import { findRevisionFileCached, openForDownload } from '../access/access.gate-cache.ts';
import { parseRange, parseResolvePath } from './hub.models.ts';
import { contentEtag } from './hub.presenters.ts';
import { canRedirect, redirectToStorage } from './hub.download-redirect.ts';
import { sendFileRange } from './local-file-body.ts';
import { canSendfile, sendFileBySendfile } from './sendfile-body.ts';
import { respondDirect } from '../../app/middleware/direct-body.ts';

/** The model card is public whenever the repository is visible; every other file is gated. */
const CARD_PATH = 'README.md';

const contentDisposition = (path: string) => {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
};

/**
 * `HEAD`/`GET /{repo}/resolve/{revision}/{path}`. Access is decided on every request, so a
 * revoked or expired grant stops a resumed range download at its next request.
 */
export async function serveResolve(c: AppContext, deps: AppDeps): Promise<Response> {
  const target = parseResolvePath(new URL(c.req.url).pathname);
  if (!target) throw notFound('entry_not_found', 'Not a file URL. Use /{owner}/{name}/resolve/{revision}/{path}.', { hubCode: 'EntryNotFound' });
  const actor = c.get('actor');
  const filePath = target.filePath.normalize('NFC');
  const action = filePath === CARD_PATH ? 'repo.view' : 'repo.download';
  const epoch = c.get('accessEpoch') ?? (await readAccessEpoch(deps.db));
  const { repo, facts, revision } = await openForDownload(deps, actor, action, target, filePath, epoch).catch(async (error: unknown) => {
    if (action === 'repo.download') await recordDownloadDenial(deps, error, { actor, ref: target, path: filePath, revision: target.revision, audit: auditContextOf(c) });
    throw error;
  });
  const file = await findRevisionFileCached(deps.db, revision.id, filePath);
  if (!file) {
    throw notFound('entry_not_found', `File not found: ${filePath} is not in ${repo.namespace}/${repo.name} at ${revision.id}.`, { hubCode: 'EntryNotFound', headers: { 'X-Repo-Commit': revision.id } });
  }

  // A recipient of a fingerprinting repository gets their own copy of `.safetensors` files, named by its own sha256.
  const copy = action === 'repo.download' ? await recipientCopyFor(deps, actor, repo, facts, file, epoch) : null;
  const etag = copy ? copy.sha256 : contentEtag(file);
  const headers: Record<string, string> = {
    'X-Repo-Commit': revision.id,
    ETag: `"${etag}"`,
    'Accept-Ranges': 'bytes',
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': contentDisposition(filePath),
    // Gated answers depend on who asks; nothing in between may cache them for someone else.
    // A fingerprinted copy belongs to one recipient: no shared cache may keep it.
    'Cache-Control': repo.accessLevel === 'open' && !repo.private && !copy ? 'public, max-age=0, must-revalidate' : 'private, no-store',
    Vary: 'Authorization, Cookie',
  };
  if (file.lfs) {
    headers['X-Linked-Etag'] = `"${etag}"`;
    headers['X-Linked-Size'] = String(file.size);
  }
  // Tells clients that check against the tree's sha256 (the original's) to expect this copy's instead.
  if (copy) headers['X-Airlock-Fingerprinted'] = SCHEME;

  const range = parseRange(c.req.header('range'), file.size);
  if (range.kind === 'unsatisfiable' && file.size === 0) {
    // An empty file cannot satisfy `bytes=0-0`; the JS client reads the size from `*/0`.
    return c.body(null, 200, { ...headers, 'Content-Length': '0', 'Content-Range': 'bytes */0' });
  }
  if (range.kind === 'unsatisfiable' || range.kind === 'malformed') {
    const message = range.kind === 'malformed'
      ? `The Range header is not a byte range this server reads. Send one range as bytes=START-END, bytes=START- or bytes=-LENGTH; the file has ${file.size} bytes.`
      : `Range not satisfiable: the file has ${file.size} bytes.`;
    throw new AppError('range_not_satisfiable', 416, message, { field: 'Range', headers: { 'X-Repo-Commit': revision.id, 'Accept-Ranges': 'bytes', 'Content-Range': `bytes */${file.size}` } });
  }
  const { status, start, end } = range.kind === 'partial' ? { status: 206 as const, ...range.range } : { status: 200 as const, start: 0, end: file.size - 1 };
  const length = file.size === 0 ? 0 : end - start + 1;
  headers['Content-Length'] = String(length);
  if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`;
  else if (file.size === 0) headers['Content-Range'] = 'bytes */0';
  if (c.req.method === 'HEAD') return c.body(null, status, headers);
  if (!copy && canRedirect(deps, file, length)) {
    return redirectToStorage(c, deps, { actor, repoId: repo.id, commit: revision.id, path: filePath, blobSha256: file.blobSha256, size: file.size, range: status === 206 ? { start, end } : null, headers });
  }

  const audit = (bytesSent: number) => {
    // Recorded once the transfer ends, with the bytes that actually left, even for an aborted download.
    recordDownloadEvent(deps.db, {
      action: 'file.downloaded',
      actorUserId: actorUserId(actor),
      actorTokenId: actorTokenId(actor),
      repoId: repo.id,
      ip: c.get('clientIp'),
      details: { path: filePath, commit: revision.id, range: status === 206 ? `${start}-${end}` : null, size: file.size, bytesSent, complete: bytesSent === length, ...(copy ? { fingerprintedSha256: copy.sha256 } : {}), userAgent: c.req.header('user-agent') ?? null },
    }).catch((error) => deps.logger.error({ err: error }, 'could not record a download in the audit log'));
  };

  const readEnd = readEndFor(end, file.size);
  // A file on the local disk under Node's server: handed to the socket by the kernel (sendfile),
  // or, where that cannot be had (TLS, not Linux) and for a recipient's copy, which is marked in
  // place on its way out, written straight to the socket from pooled buffers.
  const localPath = length > 0 && c.env?.outgoing ? deps.blobs.localPath(file.blobSha256) : null;
  if (localPath) {
    const handle = await open(localPath, 'r');
    const onEnd = trackDownload(audit);
    const rewrite = copy ? { readEnd, patch: (buf: Buffer, bufStart: number, more: boolean) => patchBuffer(copy.plan, buf, bufStart, more) } : undefined;
    return respondDirect(c, status, headers, {
      send: async (out) => {
        const byKernel = !rewrite && (await canSendfile(out));
        onEnd(byKernel ? await sendFileBySendfile(out, handle, start, end) : await sendFileRange(out, handle, start, end, rewrite));
      },
      cancel: async () => {
        await handle.close();
        onEnd(0);
      },
    });
  }

  const source = length === 0
    ? Readable.from([])
    : copy
      ? fingerprintRange(deps.blobs.read(file.blobSha256, { start, end: readEnd }), copy.plan, start, end, readEnd)
      : deps.blobs.read(file.blobSha256, { start, end });
  // The first chunk is read before answering, so a store that cannot be read (S3 down) gets a 503, not a 200 cut short.
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await chunks.next();
  const body = pullStream(source, chunks, first, trackDownload(audit));
  return new Response(body, { status, headers });
}

/**
 * A web stream over `source` that reads the next chunk only when the response has taken the last
 * one, so a download holds a chunk or two (1 MiB each) in memory whatever the file size or the
 * client's speed, and hands the file's buffers on without copying them (`Readable.toWeb` copies
 * every chunk). `first` is the read already made from `chunks` before answering. `onEnd` gets the
 * bytes handed on, once: at the end, on an error, or when the client goes away.
 */
function pullStream(source: Readable | AsyncGenerator<Buffer>, chunks: AsyncIterator<Buffer>, first: IteratorResult<Buffer>, onEnd: (bytesSent: number) => void): ReadableStream<Uint8Array> {
  let pending: IteratorResult<Buffer> | null = first;
  let bytesSent = 0;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd(bytesSent);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = pending ?? (await chunks.next());
        pending = null;
        if (done) {
          controller.close();
          end();
          return;
        }
        bytesSent += value.length;
        controller.enqueue(value);
      } catch (error) {
        controller.error(error);
        end();
      }
    },
    cancel() {
      if (source instanceof Readable) source.destroy();
      else void source.return(undefined);
      end();
    },
  }, { highWaterMark: 0 });
}
