import { Readable } from 'node:stream';
import type { AppDeps } from '../../app/deps.ts';
import { AppError, isAppError } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { type Actor, actorTokenId, actorUserId } from '../access/actor.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { cardRevisions, diffCards } from './card-history.models.ts';
import { listRevisionsWithReadme } from './card-history.repository.ts';
import { cardEditSchema } from './card-history.schemas.ts';
import { parseCardFrontMatter } from './repos.models.ts';
import { findRevisionFile, type RepositoryRow } from './repos.repository.ts';
import { commitToRepository, MAX_CARD_BYTES, resolveRevision, storeUpload } from './repos.usecases.ts';

/** The card revisions on `revision`'s history (default `main`), newest first: who, when, message. */
export async function loadCardHistory(deps: AppDeps, repo: RepositoryRow, revision = 'main') {
  const head = await resolveRevision(deps.db, repo, revision, 'revision');
  const rows = await listRevisionsWithReadme(deps.db, repo.id);
  return cardRevisions(rows, head.id).map((r) => ({ commit: r.id, author: r.author, createdAt: r.createdAt, message: r.message, change: r.change, sha256: r.readmeSha256 }));
}

async function readText(deps: AppDeps, sha256: string, size: number): Promise<string> {
  if (size > MAX_CARD_BYTES) throw new AppError('invalid_card', 400, `README.md is ${size} bytes; a model card may be at most ${MAX_CARD_BYTES} bytes.`, { field: 'README.md' });
  const chunks: Buffer[] = [];
  for await (const chunk of deps.blobs.read(sha256)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The card's markdown source at a revision, or null when that revision has no README.md. */
export async function readCardAt(deps: AppDeps, repo: RepositoryRow, revisionName: string, field?: string) {
  const revision = await resolveRevision(deps.db, repo, revisionName, field);
  const file = await findRevisionFile(deps.db, revision.id, 'README.md');
  return { revision, source: file ? await readText(deps, file.blobSha256, file.size) : null };
}

/** A diff of the card between two revisions; a missing card counts as empty. */
export async function compareCards(deps: AppDeps, repo: RepositoryRow, from: string, to: string) {
  const before = await readCardAt(deps, repo, from, 'from');
  const after = await readCardAt(deps, repo, to, 'to');
  return { from: before, to: after, diff: diffCards(before.source ?? '', after.source ?? '') };
}

/**
 * A publisher's edit of the card, as a commit of README.md on `main` through the ordinary commit
 * use case, with a `card.edited` audit event in the same transaction. Front matter is checked
 * first, so an error names the line at fault without storing anything.
 */
export async function editCard(deps: AppDeps, actor: Actor, repo: RepositoryRow, input: unknown, audit: AuditContext & { via?: 'web' | 'api' } = {}) {
  const data = parseInput(cardEditSchema, input);
  const bytes = Buffer.from(data.content.replace(/\r\n?/g, '\n'), 'utf8');
  if (bytes.length > MAX_CARD_BYTES) throw new AppError('card_too_large', 413, `content: the card is ${bytes.length} bytes; a model card may be at most ${MAX_CARD_BYTES} bytes.`, { field: 'content' });
  try {
    parseCardFrontMatter(bytes.toString('utf8'));
  } catch (error) {
    // The same check and message as an upload, blamed on the form's field.
    if (isAppError(error)) throw new AppError(error.code, error.status, error.message, { field: 'content', details: error.details });
    throw error;
  }
  const current = await readCardAt(deps, repo, 'main');
  if (current.source !== null && current.source === bytes.toString('utf8')) {
    throw new AppError('card_unchanged', 400, 'content: the card is the same as the current one; nothing to commit.', { field: 'content' });
  }
  const blob = await storeUpload(deps, actor, repo, Readable.from([bytes]), bytes.length);
  return commitToRepository(deps, actor, repo, { message: data.message, branch: 'main', parentCommit: data.parentCommit, operations: [{ op: 'add', path: 'README.md', sha256: blob.sha256 }] }, audit, {
    afterWrite: (tx, revision) => recordAuditEvent(tx, {
      action: 'card.edited', actorUserId: actorUserId(actor), actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip,
      details: { commit: revision.id, parent: revision.parentId, bytes: bytes.length, sha256: blob.sha256, via: audit.via ?? 'api' },
    }),
  });
}
