import type { AppDeps } from '../../app/deps.ts';
import { AppError, conflict, notFound, unauthenticated } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import { type Actor, actorTokenId, actorUserId } from '../access/actor.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { findRoleInNamespace } from '../orgs/orgs.repository.ts';
import { dispatchMail, recordNotices } from '../notifications/notifications.usecases.ts';
import { findRepository, updateRepository, type RepositoryRow } from '../repos/repos.repository.ts';
import { lockStageByName, setStageLevel } from '../stages/stages.repository.ts';
import { findUserById } from '../users/users.repository.ts';
import { isStricter } from './assessments.models.ts';
import type { AssessmentAction, AssessmentFacts } from './assessments.policies.ts';
import {
  findDraft, insertAssessment, insertDraftIfAbsent, listVersions, lockDraft, lockVersion, nextVersionNumber, supersedeWaiting, updateAssessment, usernamesOf,
} from './assessments.repository.ts';
import { assessmentContentSchema, assessmentDraftSchema, decisionSchema } from './assessments.schemas.ts';

export async function loadAssessmentFacts(deps: AppDeps, actor: Actor, repo: RepositoryRow): Promise<AssessmentFacts> {
  return { repoPrivate: repo.private, role: actor.kind === 'user' ? await findRoleInNamespace(deps.db, actor.user.id, repo.namespace) : null };
}

/** Asks the policy; a refusal becomes the error that says why and what to do instead. */
export function ensureAssessmentAllowed(actor: Actor, action: Exclude<AssessmentAction, { type: 'assessment.read-public' }>): asserts actor is Actor & { kind: 'user' } {
  const decision = authorize(actor, action);
  if (decision.allowed && actor.kind === 'user') return;
  switch (decision.allowed ? 'sign-in-required' : decision.reason) {
    case 'sign-in-required': throw unauthenticated('Sign in, or pass a token, to work on risk–benefit assessments.');
    case 'not-found': throw notFound('repo_not_found', 'Repository not found, or you do not have access to it.');
    case 'user-blocked': throw new AppError('user_blocked', 403, 'Your account is blocked. Contact the platform administrators.');
    case 'insufficient-scope': throw new AppError('insufficient_scope', 403, 'This token is read-only. Use a write token or the browser.');
    default:
      if (action.type === 'assessment.decide') throw new AppError('not_a_release_reviewer', 403, 'Only platform moderators decide risk–benefit assessments, and never for a repository they publish.');
      if (action.type === 'assessment.edit') throw new AppError('forbidden', 403, "Only the repository's publishers (admin or write members of its owner) write its risk–benefit assessment.");
      throw new AppError('forbidden', 403, 'Only members of the repository and platform moderators read the full assessment; its public summary is on the transparency page.');
  }
}

/** Saves the editable draft (created on first save). Submitted versions are never touched. */
export async function saveDraft(deps: AppDeps, actor: Actor & { kind: 'user' }, repo: RepositoryRow, input: unknown, stage: string | null = null) {
  const content = parseInput(assessmentDraftSchema, input);
  return deps.db.transaction(async (tx) => {
    const draft = await findDraft(tx, repo.id, stage);
    if (draft) return updateAssessment(tx, draft.id, { content });
    // Two first saves at once both find no draft; the second insert yields to the first (on
    // PostgreSQL it waits for it to commit), then saves over the draft that one created.
    const created = await insertDraftIfAbsent(tx, { repoId: repo.id, stage, status: 'draft', content, createdBy: actor.user.id });
    if (created) return created;
    const concurrent = await findDraft(tx, repo.id, stage);
    if (!concurrent) throw new AppError('draft_conflict', 409, 'The draft changed while it was being saved. Save it again.', { field: 'draft' });
    return updateAssessment(tx, concurrent.id, { content });
  });
}

/**
 * Submits the draft as the next version. It must be complete (400 naming the first missing field).
 * A version still waiting for a decision is superseded, so moderators decide only the newest.
 */
export async function submitAssessment(deps: AppDeps, actor: Actor & { kind: 'user' }, repo: RepositoryRow, audit: AuditContext = {}, stage: string | null = null) {
  return deps.db.transaction(async (tx) => {
    const draft = await lockDraft(tx, repo.id, stage);
    if (!draft) throw conflict('no_draft', 'There is no draft to submit. Save the assessment (PUT …/assessment/draft) first.', 'draft');
    const content = parseInput(assessmentContentSchema, draft.content);
    const version = await nextVersionNumber(tx, repo.id, stage);
    const now = deps.clock.now();
    const submitted = await updateAssessment(tx, draft.id, { status: 'submitted', version, content, submittedBy: actor.user.id, submittedAt: now });
    await supersedeWaiting(tx, repo.id, stage, submitted.id);
    await recordAuditEvent(tx, { action: 'assessment.submitted', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { version, stage, accessLevel: content.accessLevel } });
    return submitted;
  });
}

/**
 * A moderator's decision on a submitted version. Requiring a stricter level also raises the
 * repository to it at once when it is more open, in the same transaction: a requirement that
 * waited for the publisher would leave the files out meanwhile.
 */
export async function decideAssessment(deps: AppDeps, actor: Actor & { kind: 'user' }, repo: RepositoryRow, version: number, input: unknown, audit: AuditContext = {}, stage: string | null = null) {
  const data = parseInput(decisionSchema, input);
  const result = await deps.db.transaction(async (tx) => {
    const row = await lockVersion(tx, repo.id, stage, version);
    if (!row) throw notFound('assessment_not_found', `${repo.namespace}/${repo.name} has no assessment version ${version}.`, { field: 'version' });
    if (row.status !== 'submitted') throw conflict('assessment_not_waiting', `Version ${version} is ${row.status}, not waiting for a decision; only the newest submitted version can be decided.`, 'version');
    const argued = row.content.accessLevel!;
    let requiredLevel = null;
    if (data.decision === 'require-stricter') {
      if (!data.requiredLevel) throw new AppError('invalid_input', 400, 'requiredLevel: name the level you require.', { field: 'requiredLevel' });
      if (!isStricter(data.requiredLevel, argued)) throw new AppError('invalid_input', 400, `requiredLevel: must be stricter than "${argued}", the level the assessment argues for.`, { field: 'requiredLevel' });
      requiredLevel = data.requiredLevel;
    }
    const now = deps.clock.now();
    const decided = await updateAssessment(tx, row.id, { status: data.decision === 'accept' ? 'accepted' : 'stricter-level-required', decidedBy: actor.user.id, decidedAt: now, rationale: data.rationale, requiredLevel });
    const current = (await findRepository(tx, repo.type, repo.namespace, repo.name)) ?? repo;
    let levelChanged = null;
    // A stage's assessment binds that stage: its files move to the required level, the rest stay.
    const stageRow = stage !== null && requiredLevel ? await lockStageByName(tx, repo.id, stage) : undefined;
    if (stageRow && requiredLevel && isStricter(requiredLevel, stageRow.accessLevel)) {
      await setStageLevel(tx, stageRow.id, requiredLevel);
      levelChanged = { from: stageRow.accessLevel, to: requiredLevel, stage };
      await recordAuditEvent(tx, { action: 'release.schedule_changed', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { stage, before: { accessLevel: stageRow.accessLevel }, after: { accessLevel: requiredLevel }, source: 'platform', reason: `assessment version ${version} of stage "${stage}": stricter level required` } });
    } else if (stage === null && requiredLevel && isStricter(requiredLevel, current.accessLevel)) {
      await updateRepository(tx, repo.id, { accessLevel: requiredLevel });
      levelChanged = { from: current.accessLevel, to: requiredLevel };
      await recordAuditEvent(tx, { action: 'repo.settings_changed', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { before: { accessLevel: current.accessLevel }, after: { accessLevel: requiredLevel }, source: 'platform', reason: `assessment version ${version}: stricter level required` } });
    }
    await recordAuditEvent(tx, { action: 'assessment.decided', actorUserId: actorUserId(actor), actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { version, stage, decision: data.decision, requiredLevel, levelChanged } });
    // The publisher who submitted hears of the decision; the mail goes after commit.
    const submitter = decided.submittedBy ? await findUserById(tx, decided.submittedBy) : undefined;
    const id = `${repo.namespace}/${repo.name}`;
    const subject = stage === null ? id : `the stage "${stage}" of ${id}`;
    const mails = submitter ? await recordNotices(tx, deps, [{
      userId: submitter.id, to: submitter.email,
      subject: requiredLevel ? `Release review of ${subject}: level "${requiredLevel}" required` : `Release review of ${subject}: assessment accepted`,
      body: `${requiredLevel ? `A platform release reviewer required at least "${requiredLevel}" for ${subject}${levelChanged ? `, and ${stage === null ? 'the repository' : 'the stage'} was moved from "${levelChanged.from}" to "${requiredLevel}"` : ''}.` : `A platform release reviewer accepted version ${version} of the risk–benefit assessment of ${subject}.`}\n\nRationale (published on the transparency page):\n${data.rationale}`,
      link: `${deps.config.baseUrl}/${repo.type === 'dataset' ? 'datasets/' : ''}${id}/transparency`,
    }], now) : [];
    return { assessment: decided, levelChanged, mails };
  });
  dispatchMail(deps, result.mails);
  return { assessment: result.assessment, levelChanged: result.levelChanged };
}

/** The versions (newest first), the draft and the usernames they mention. */
export async function loadAssessments(deps: AppDeps, repo: RepositoryRow, stage: string | null = null) {
  const versions = await listVersions(deps.db, repo.id, stage);
  const draft = (await findDraft(deps.db, repo.id, stage)) ?? null;
  const names = await usernamesOf(deps.db, versions.flatMap((v) => [v.submittedBy, v.decidedBy]));
  return { versions, draft, names };
}
