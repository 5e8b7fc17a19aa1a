import type { Notice } from '../notifications/notifications.usecases.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import { CATEGORY_TEXT, type MisuseCategory, type ReportStatus } from './misuse.models.ts';

/** Messages about misuse reports. Plain text; the reporter's identity is never passed to a publisher. */

const pagePath = (repo: Pick<RepositoryRow, 'type' | 'namespace' | 'name'>) => `/${repo.type === 'dataset' ? 'datasets/' : ''}${repo.namespace}/${repo.name}`;

/** To an anonymous reporter: the status link is a credential, so it is mailed and never stored. */
export function reportFiledNotice(baseUrl: string, repoId: string, email: string, statusPath: string): Notice {
  return {
    userId: null,
    to: email,
    subject: `Your misuse report about ${repoId} was received`,
    body: `Thank you. The platform moderators will look at your report about ${repoId}. Follow its status at the link below; keep it private, it is the only way to see the report without an account.`,
    secretLink: `${baseUrl}${statusPath}`,
  };
}

export function contactPublisherNotice(baseUrl: string, repo: RepositoryRow, to: { id: string; email: string }, category: MisuseCategory, message: string): Notice {
  const id = `${repo.namespace}/${repo.name}`;
  return {
    userId: to.id,
    to: to.email,
    subject: `The platform moderators about a report on ${id}`,
    body: [`The platform moderators received a misuse report about ${id} (category: ${CATEGORY_TEXT[category]}) and write to you:`, '', message].join('\n'),
    link: `${baseUrl}${pagePath(repo)}`,
  };
}

export function revokedByModeratorNotice(baseUrl: string, repoId: string, to: { id: string; email: string }, reason: string): Notice {
  return {
    userId: to.id,
    to: to.email,
    subject: `Your access to ${repoId} was revoked`,
    body: [`The platform moderators revoked your access to ${repoId} after a misuse report. Downloads stop at once.`, '', `Reason: ${reason}`].join('\n'),
    link: `${baseUrl}/settings/access`,
  };
}

export function reportClosedNotice(baseUrl: string, repoId: string, to: { id: string | null; email: string }, status: ReportStatus, outcome: string | null, pagePathOfReport: string | null): Notice {
  return {
    userId: to.id,
    to: to.email,
    subject: `Your misuse report about ${repoId} was ${status}`,
    body: [`The platform moderators ${status === 'dismissed' ? 'dismissed' : 'resolved'} your report about ${repoId}.`, '', `${status === 'dismissed' ? 'Reason' : 'Outcome'}: ${outcome ?? 'not given'}`].join('\n'),
    ...(pagePathOfReport ? { link: `${baseUrl}${pagePathOfReport}` } : {}),
  };
}

/** To each moderator: a new report waits in the queue. The reporter is not named here. */
export function newReportNotice(baseUrl: string, repoId: string, to: { id: string; email: string }, category: MisuseCategory, reportId: string): Notice {
  return {
    userId: to.id,
    to: to.email,
    subject: `New misuse report about ${repoId}`,
    body: `A misuse report about ${repoId} (category: ${CATEGORY_TEXT[category]}) waits for triage.`,
    link: `${baseUrl}/moderation/reports/${reportId}`,
  };
}
