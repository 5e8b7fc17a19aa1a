import type { Notice } from '../notifications/notifications.usecases.ts';

/** The messages of the access application workflow. Plain text, like every platform mail. */

export function newApplicationNotice(options: { baseUrl: string; reviewer: { id: string; email: string }; applicationId: string; repoId: string; applicant: { username: string; displayName: string }; resubmission: boolean }): Notice {
  const what = options.resubmission ? 'resubmitted their access application after changes' : 'applied for access';
  return {
    userId: options.reviewer.id,
    to: options.reviewer.email,
    subject: `Access application ${options.resubmission ? 'resubmitted' : 'submitted'} for ${options.repoId}: ${options.applicant.displayName}`,
    body: `${options.applicant.displayName} (@${options.applicant.username}) ${what} to ${options.repoId}. You review applications for this repository; it is in your review queue (${options.baseUrl}/review).`,
    link: `${options.baseUrl}/review/${options.applicationId}`,
  };
}

export type ApplicantNoticeKind = 'approved' | 'rejected' | 'returned';

const TEXT: Record<ApplicantNoticeKind, { subject: (repo: string) => string; lead: (repo: string) => string; label: string; next: string }> = {
  approved: {
    subject: (repo) => `Your access to ${repo} is approved`,
    lead: (repo) => `Your application for access to ${repo} is approved. You can download its files now.`,
    label: 'Comment from the reviewers',
    next: 'Your grant and its end date are listed under your access requests.',
  },
  rejected: {
    subject: (repo) => `Your access application for ${repo} was rejected`,
    lead: (repo) => `Your application for access to ${repo} was rejected.`,
    label: 'Reason',
    next: 'You may apply again once you have addressed the reason.',
  },
  returned: {
    subject: (repo) => `Your access application for ${repo} needs changes`,
    lead: (repo) => `The reviewers of ${repo} returned your access application for changes.`,
    label: 'What to change',
    next: 'Change your statement and submit it again from "My access" (or PUT /api/access-requests/<id>, then POST …/submit).',
  },
};

export function applicantNotice(options: { baseUrl: string; applicant: { id: string; email: string }; applicationId: string; repoId: string; kind: ApplicantNoticeKind; comment: string | null }): Notice {
  const text = TEXT[options.kind];
  const body = [text.lead(options.repoId), ...(options.comment ? ['', `${text.label}:`, options.comment] : []), '', text.next].join('\n');
  return { userId: options.applicant.id, to: options.applicant.email, subject: text.subject(options.repoId), body, link: `${options.baseUrl}/settings/access#application-${options.applicationId}` };
}
