/** Pure rules of misuse reports: categories, statuses and which triage step may follow which. */
export const MISUSE_CATEGORIES = ['harassment', 'spam-or-bot-use', 'privacy', 'redistribution', 'other'] as const;
export type MisuseCategory = (typeof MISUSE_CATEGORIES)[number];

export const CATEGORY_TEXT: Record<MisuseCategory, string> = {
  harassment: 'Harassment',
  'spam-or-bot-use': 'Spam or bot use',
  privacy: 'Privacy',
  redistribution: 'Redistribution',
  other: 'Other',
};

export const REPORT_STATUSES = ['open', 'acknowledged', 'dismissed', 'resolved'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export const TRIAGE_ACTIONS = ['acknowledge', 'dismiss', 'contact-publisher', 'block', 'revoke-grants', 'resolve'] as const;
export type TriageAction = (typeof TRIAGE_ACTIONS)[number];

/** Every row of a report's history: filing and each triage step. */
export type ReportEventAction = 'filed' | TriageAction;

export const isClosed = (status: ReportStatus) => status === 'dismissed' || status === 'resolved';

/**
 * The status a triage step leads to, or null when the report is closed and takes no more steps.
 * Acting on a report (contacting, revoking) acknowledges it; a block settles it, since the
 * repository stops serving; a dismissal or an explicit resolution closes it.
 */
export function nextStatus(current: ReportStatus, action: TriageAction): ReportStatus | null {
  if (isClosed(current)) return null;
  switch (action) {
    case 'dismiss': return 'dismissed';
    case 'block':
    case 'resolve': return 'resolved';
    default: return 'acknowledged';
  }
}

export const EVENT_TEXT: Record<ReportEventAction, string> = {
  filed: 'Report filed',
  acknowledge: 'Acknowledged by a moderator',
  dismiss: 'Dismissed',
  'contact-publisher': 'The publisher was contacted',
  block: 'The repository was blocked',
  'revoke-grants': "A user's access was revoked",
  resolve: 'Resolved',
};

export const EVIDENCE_MAX = 20;
export const URL_MAX = 2000;

/**
 * An evidence link must be an absolute http(s) URL with a host: a `javascript:` or `data:` link in
 * a moderator's queue would be a trap, and a relative one points nowhere. Returns the normalised
 * URL, or null when it is not acceptable.
 */
export function evidenceUrl(value: string): string | null {
  const text = value.trim();
  if (text === '' || text.length > URL_MAX || /[\s\x00-\x1f\x7f]/.test(text)) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || url.username !== '' || url.password !== '') return null;
  return url.href;
}

/** The browser form's evidence box: one link per line, blank lines ignored. */
export const evidenceLines = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');

/** `owner/name` as typed in the form or the API. */
export function parseRepoId(value: string): { namespace: string; name: string } | null {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(value.trim());
  return match ? { namespace: match[1]!, name: match[2]! } : null;
}
