import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { conflict } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { actorTokenId, type Actor } from '../access/actor.ts';
import { signSchema } from '../agreements/agreements.schemas.ts';
import { recordSignature } from '../agreements/agreements.usecases.ts';
import type { AuditContext } from '../audit/audit.repository.ts';
import { dispatchMail } from '../notifications/notifications.usecases.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { findOpenApplication, insertApplication, lockApplication, updateApplicationIf } from './applications.repository.ts';
import { applySchema } from './applications.schemas.ts';
import {
  checkApplication, checkNotBarred, checkReadyToSubmit, grantFor, loadForm, loadPolicy, notifyReviewers, recordTransition, refusal, repoIdOf, stateChanged, type ApplicationActor,
} from './applications.usecases.ts';

/**
 * Drafts: an application kept unsubmitted while the applicant works on it (the wizard's "Save
 * draft"). A draft is checked only for its shape; the form, the statement, the requirements and
 * the signature are checked when it is submitted, exactly as a direct application is.
 */
export async function saveDraft(deps: AppDeps, actor: Actor & { kind: 'user' }, repo: RepositoryRow, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(applySchema, input ?? {});
  const now = deps.clock.now();
  await checkNotBarred(deps, actor.user, repo);
  return deps.db.transaction(async (tx) => {
    const open = await findOpenApplication(tx, repo.id, actor.user.id);
    if (open) throw conflict('application_open', `You already have an open application for ${repoIdOf(repo)} (${open.status}). Edit it with PUT /api/access-requests/${open.id}.`);
    const draft = await insertApplication(tx, { repoId: repo.id, userId: actor.user.id, status: 'draft', purpose: data.purpose, fields: data.fields, round: 1, createdAt: now, updatedAt: now });
    if (!draft) throw conflict('application_open', `You already have an open application for ${repoIdOf(repo)}.`);
    await recordTransition(tx, draft, { userId: actor.user.id, tokenId: actorTokenId(actor), role: 'applicant', audit }, { action: 'drafted', from: null, to: 'draft', at: now });
    return draft;
  });
}

const submitDraftSchema = z.object({ agreement: signSchema.optional() });

/** Submits a draft: every check of a direct application, the signature in the same transaction, and the level's outcome. */
export async function submitDraft(deps: AppDeps, actor: Actor & { kind: 'user' }, repo: RepositoryRow, id: string, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(submitDraftSchema, input ?? {});
  const now = deps.clock.now();
  const user = actor.user;
  const policy = await loadPolicy(deps.db, repo.id);
  const form = (await loadForm(deps, repo, policy)).fields;
  const { agreement, current } = await checkReadyToSubmit(deps, user, repo, policy, data.agreement, 'submit');
  const who: ApplicationActor = { userId: user.id, tokenId: actorTokenId(actor), role: 'applicant', audit };
  const { application, mails } = await deps.db.transaction(async (tx) => {
    const draft = (await lockApplication(tx, id))!;
    const refused = refusal(draft.status, 'submit', 'applicant');
    if (refused) throw refused;
    checkApplication(form, draft.fields, draft.purpose ?? '', policy);
    if (agreement && current && data.agreement) await recordSignature(tx, user, agreement, current, data.agreement, audit, now);
    const submitted = await updateApplicationIf(tx, draft.id, 'draft', { status: 'submitted', submittedAt: now, updatedAt: now, agreementId: current ? agreement!.id : null, agreementVersion: current?.version ?? null });
    if (!submitted) throw stateChanged();
    await recordTransition(tx, submitted, who, { action: 'submitted', from: 'draft', to: 'submitted', at: now, details: { level: repo.accessLevel } });
    if (repo.accessLevel !== 'agreement') return { application: submitted, mails: await notifyReviewers(tx, deps, submitted, repo, user, false, now) };
    const approved = (await updateApplicationIf(tx, submitted.id, 'submitted', { status: 'approved', decidedAt: now, updatedAt: now }))!;
    const system: ApplicationActor = { ...who, role: 'system' };
    await recordTransition(tx, approved, system, { action: 'approved', from: 'submitted', to: 'approved', at: now, details: { automatic: true } });
    await grantFor(tx, approved, user.id, policy, now, system);
    return { application: approved, mails: [] };
  });
  dispatchMail(deps, mails);
  return application;
}
