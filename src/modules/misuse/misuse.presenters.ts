import { EVENT_TEXT, type ReportEventAction } from './misuse.models.ts';
import type { ReportRow } from './misuse.repository.ts';

type RepoRef = { type: string; namespace: string; name: string };
type EventRow = { event: { action: ReportEventAction; note: string | null; createdAt: Date }; actor: string | null };

const repository = (repo: RepoRef) => ({ type: repo.type, id: `${repo.namespace}/${repo.name}` });

/** What the reporter sees: the status, the outcome and when each step happened; not the moderators' notes or names. */
export const presentForReporter = ({ report, repo, events }: { report: ReportRow; repo: RepoRef; events: EventRow[] }) => ({
  id: report.id,
  repository: repository(repo),
  category: report.category,
  description: report.description,
  evidenceLinks: report.evidenceLinks,
  status: report.status,
  outcome: report.outcome,
  createdAt: report.createdAt.toISOString(),
  updatedAt: report.updatedAt.toISOString(),
  history: events.map(({ event }) => ({ action: event.action, text: EVENT_TEXT[event.action], at: event.createdAt.toISOString() })),
});

export const presentQueueItem = ({ report, repo }: { report: ReportRow; repo: RepoRef }) => ({
  id: report.id,
  repository: repository(repo),
  category: report.category,
  status: report.status,
  anonymous: report.reporterId === null,
  createdAt: report.createdAt.toISOString(),
  updatedAt: report.updatedAt.toISOString(),
});

/** The moderators' view: everything, the reporter and each step's author and note included. */
export const presentForModerator = (detail: { report: ReportRow; repo: RepoRef & { blockedAt: Date | null }; events: EventRow[]; reporter: string | null }) => ({
  ...presentForReporter(detail),
  repository: { ...repository(detail.repo), blocked: detail.repo.blockedAt !== null },
  reporter: detail.reporter ? { username: detail.reporter } : { email: detail.report.reporterEmail },
  history: detail.events.map(({ event, actor }) => ({ action: event.action, text: EVENT_TEXT[event.action], at: event.createdAt.toISOString(), by: actor, note: event.note })),
});
