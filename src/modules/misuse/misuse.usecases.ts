import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { AppError, conflict, notFound, unauthenticated } from '../../lib/errors.ts';
import { randomBase62, sha256Hex } from '../../lib/crypto.ts';
import { parseInput } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import { revokeAccess } from '../access/access.usecases.ts';
import { actorTokenId, type Actor } from '../access/actor.ts';
import { listPublishers } from '../applications/applications.repository.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { blockInTransaction, ensureModerator } from '../moderation/moderation.usecases.ts';
import { dispatchMail, recordNotices, type Notice, type PendingMail } from '../notifications/notifications.usecases.ts';
import { loadRepositoryFor } from '../repos/repos.usecases.ts';
import { findUserById } from '../users/users.repository.ts';
import { isClosed, nextStatus, parseRepoId } from './misuse.models.ts';
import type { MisuseAction } from './misuse.policies.ts';
import { findReport, findReportByTokenHash, findRepositoryById, insertReport, listModerators, insertReportEvent, listReportEvents, listReportsByStatus, listReportsOfUser, lockReport, updateReport, type ReportRow } from './misuse.repository.ts';
import { fileReportSchema, triageSchema } from './misuse.schemas.ts';
import { contactPublisherNotice, newReportNotice, reportClosedNotice, reportFiledNotice, revokedByModeratorNotice } from './misuse.mail.ts';

type UserActor = Actor & { kind: 'user' };

export function ensureMisuseAllowed(actor: Actor, action: MisuseAction): void {
  const decision = authorize(actor, action);
  if (decision.allowed) return;
  switch (decision.reason) {
    case 'sign-in-required': throw unauthenticated('Sign in, or pass a token, for this.');
    case 'user-blocked': throw new AppError('user_blocked', 403, 'Your account is blocked. Contact the platform administrators.');
    case 'insufficient-scope': throw new AppError('insufficient_scope', 403, 'This token is read-only. Use a write token or the browser.');
    default: throw new AppError('forbidden', 403, 'Only platform moderators triage misuse reports.');
  }
}

/** The status link's token: 256 bits, only its sha256 is stored, so the database cannot answer for the reporter. */
export const statusPath = (token: string) => `/misuse/status/${token}`;

/**
 * Files a report. Anyone may; without an account an email is required, and the reporter gets a
 * status link (mailed and returned once). The repository must be visible to the reporter.
 */
export async function fileReport(deps: AppDeps, actor: Actor, input: unknown, audit: AuditContext) {
  ensureMisuseAllowed(actor, { type: 'misuse.report' });
  const data = parseInput(fileReportSchema, input);
  if (actor.kind === 'anonymous' && !data.email) throw new AppError('invalid_input', 400, 'email: give an email address, or sign in, so the moderators can reach you.', { field: 'email' });
  const ref = parseRepoId(data.repo)!;
  const { repo } = await loadRepositoryFor(deps, actor, 'repo.view', { type: data.repoType, ...ref });
  const token = actor.kind === 'anonymous' ? randomBase62(43) : null;
  const now = deps.clock.now();
  const { report, mails } = await deps.db.transaction(async (tx) => {
    const report = await insertReport(tx, {
      repoId: repo.id, category: data.category, description: data.description, evidenceLinks: data.evidenceLinks,
      reporterId: actor.kind === 'user' ? actor.user.id : null, reporterEmail: actor.kind === 'user' ? null : data.email!,
      statusTokenHash: token ? sha256Hex(token) : null, status: 'open', createdAt: now, updatedAt: now,
    });
    await insertReportEvent(tx, { reportId: report.id, actorId: actor.kind === 'user' ? actor.user.id : null, action: 'filed', note: null, createdAt: now });
    // No reporter email in the audit: it is personal data the log would keep for ever.
    await recordAuditEvent(tx, { action: 'misuse.reported', actorUserId: actor.kind === 'user' ? actor.user.id : null, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { reportId: report.id, category: data.category, anonymous: actor.kind === 'anonymous', evidenceLinks: data.evidenceLinks.length } });
    const repoId = `${repo.namespace}/${repo.name}`;
    const notices = (await listModerators(tx)).map((m) => newReportNotice(deps.config.baseUrl, repoId, m, data.category, report.id));
    if (token) notices.push(reportFiledNotice(deps.config.baseUrl, repoId, data.email!, statusPath(token)));
    const mails = await recordNotices(tx, deps, notices, now);
    return { report, mails };
  });
  dispatchMail(deps, mails);
  return { report, repo, statusToken: token };
}

export async function loadReportByToken(deps: AppDeps, token: string) {
  const report = /^[A-Za-z0-9]{43}$/.test(token) ? await findReportByTokenHash(deps.db, sha256Hex(token)) : undefined;
  if (!report) throw notFound('report_not_found', 'This status link is not valid. Check that the whole link was copied.');
  return reportDetail(deps, report);
}

export async function listMyReports(deps: AppDeps, actor: Actor) {
  ensureMisuseAllowed(actor, { type: 'misuse.read-own' });
  return listReportsOfUser(deps.db, (actor as UserActor).user.id);
}

/** One of the caller's own reports (404 for anyone else's: a report names its reporter). */
export async function loadMyReport(deps: AppDeps, actor: Actor, id: string) {
  ensureMisuseAllowed(actor, { type: 'misuse.read-own' });
  const report = await reportById(deps, id);
  if (report.reporterId !== (actor as UserActor).user.id) throw notFound('report_not_found', 'No such report of yours.');
  return reportDetail(deps, report);
}

export async function loadQueue(deps: AppDeps, actor: Actor, closed: boolean) {
  ensureMisuseAllowed(actor, { type: 'misuse.inspect' });
  return listReportsByStatus(deps.db, closed ? ['dismissed', 'resolved'] : ['open', 'acknowledged']);
}

export async function inspectReport(deps: AppDeps, actor: Actor, id: string) {
  ensureMisuseAllowed(actor, { type: 'misuse.inspect' });
  const detail = await reportDetail(deps, await reportById(deps, id));
  const reporter = detail.report.reporterId ? (await findUserById(deps.db, detail.report.reporterId))?.username ?? null : null;
  return { ...detail, reporter };
}

const idSchema = z.object({ id: z.uuid('not a report id') });

async function reportById(deps: AppDeps, id: string) {
  const report = await findReport(deps.db, parseInput(idSchema, { id }).id);
  if (!report) throw notFound('report_not_found', 'No such misuse report.');
  return report;
}

async function reportDetail(deps: AppDeps, report: ReportRow) {
  const repo = (await findRepositoryById(deps.db, report.repoId))!;
  return { report, repo, events: await listReportEvents(deps.db, report.id) };
}

/**
 * One triage step, with everything it does in one transaction: the report's new status and
 * history row, the audit event, and the step's effect (a notice, a block, a revocation).
 */
export async function triageReport(deps: AppDeps, actor: Actor, id: string, input: unknown, audit: AuditContext) {
  ensureMisuseAllowed(actor, { type: 'misuse.triage' });
  const step = parseInput(triageSchema, input);
  // A block is also a moderation decision, which has its own policy.
  if (step.action === 'block') ensureModerator(actor, { type: 'moderation.block-repo' });
  const moderator = (actor as UserActor).user;
  const reportId = (await reportById(deps, id)).id;
  const now = deps.clock.now();
  const mails: PendingMail[] = [];
  const report = await deps.db.transaction(async (tx) => {
    const report = (await lockReport(tx, reportId))!;
    const status = nextStatus(report.status, step.action);
    if (status === null || isClosed(report.status)) throw conflict('report_closed', `This report is ${report.status}; it takes no more steps. File a new report if something new happened.`);
    const repo = (await findRepositoryById(tx, report.repoId))!;
    const repoId = `${repo.namespace}/${repo.name}`;
    const notices: Notice[] = [];
    let note: string | null = null;
    let outcome: string | null | undefined;
    switch (step.action) {
      case 'acknowledge':
        note = step.note || null;
        break;
      case 'dismiss':
        note = outcome = step.reason;
        break;
      case 'resolve':
        note = outcome = step.note;
        break;
      case 'contact-publisher':
        note = step.message;
        for (const p of await listPublishers(tx, repo.namespace)) notices.push(contactPublisherNotice(deps.config.baseUrl, repo, p, report.category, step.message));
        break;
      case 'block': {
        note = outcome = step.reason;
        const blocked = await blockInTransaction(tx, deps, actor, repo, step.reason, audit, { misuseReportId: report.id });
        mails.push(...blocked.mails);
        break;
      }
      case 'revoke-grants': {
        note = `${step.user}: ${step.reason}`;
        // The access module's revocation, inside this transaction (a savepoint): all or nothing.
        const { user } = await revokeAccess(tx, actor, repo, step.user, step.reason, audit, now);
        notices.push(revokedByModeratorNotice(deps.config.baseUrl, repoId, user, step.reason));
        break;
      }
    }
    await insertReportEvent(tx, { reportId: report.id, actorId: moderator.id, action: step.action, note, createdAt: now });
    const updated = await updateReport(tx, report.id, { status, updatedAt: now, ...(outcome !== undefined ? { outcome } : {}) });
    await recordAuditEvent(tx, { action: 'misuse.triaged', actorUserId: moderator.id, actorTokenId: actorTokenId(actor), repoId: repo.id, ip: audit.ip, details: { reportId: report.id, step: step.action, from: report.status, to: status, note } });
    if (isClosed(status)) {
      const reporter = report.reporterId ? await findUserById(tx, report.reporterId) : undefined;
      const to = reporter ? { id: reporter.id, email: reporter.email } : report.reporterEmail ? { id: null, email: report.reporterEmail } : null;
      if (to) notices.push(reportClosedNotice(deps.config.baseUrl, repoId, to, status, outcome ?? null, reporter ? `/settings/reports/${report.id}` : null));
    }
    mails.push(...(await recordNotices(tx, deps, notices, now)));
    return updated;
  });
  dispatchMail(deps, mails);
  return report;
}
