import type { Notice } from '../notifications/notifications.usecases.ts';
import { REFERENCE_LINK_DAYS, type ProfileSnapshot } from './credentials.models.ts';

/** The messages of the credential workflow. Plain text: every client shows it, and nothing is hidden in markup. */

const day = (date: Date) => date.toISOString().slice(0, 10);

export function referenceRequestNotice(options: {
  baseUrl: string;
  token: string;
  expiresAt: Date;
  reference: { name: string; email: string; relationship: string };
  applicant: ProfileSnapshot;
}): Notice {
  const { applicant, reference } = options;
  const who = `${applicant.fullName} (${applicant.jobTitle}, ${applicant.institution})`;
  return {
    userId: null,
    to: reference.email,
    subject: `Please confirm ${applicant.fullName} as a researcher on Airlock`,
    body: [
      `Dear ${reference.name},`,
      '',
      `${who} has applied for researcher credentials on Airlock, a platform that releases high-risk AI models to accountable researchers. They named you as a reference and described you as: "${reference.relationship}".`,
      '',
      'Please tell us whether you know them in this role and can vouch for their research. It takes a minute: open the link below, then confirm or decline, with a note if you wish. Your note is read by the credentialing staff only.',
      '',
      `The link is personal and works once, until ${day(options.expiresAt)} (${REFERENCE_LINK_DAYS} days). If you do not know this person, please decline.`,
    ].join('\n'),
    secretLink: `${options.baseUrl}/references/${options.token}`,
  };
}

export function newSubmissionNotice(options: { baseUrl: string; staff: { id: string; email: string }; applicationId: string; applicant: { username: string; fullName: string | null }; resubmission: boolean }): Notice {
  const what = options.resubmission ? 'resubmitted their credential application after changes' : 'submitted a credential application';
  return {
    userId: options.staff.id,
    to: options.staff.email,
    subject: `Credential application ${options.resubmission ? 'resubmitted' : 'submitted'}: ${options.applicant.fullName ?? options.applicant.username}`,
    body: `${options.applicant.fullName ?? options.applicant.username} (@${options.applicant.username}) ${what}. It is in the credentialing queue.`,
    link: `${options.baseUrl}/staff/credentials/${options.applicationId}`,
  };
}

export type ApplicantNoticeKind = 'returned' | 'approved' | 'rejected' | 'revoked';

const APPLICANT_TEXT: Record<ApplicantNoticeKind, { subject: string; lead: string; label: string; next: string }> = {
  returned: {
    subject: 'Your credential application needs changes',
    lead: 'Credentialing staff returned your researcher credential application for changes.',
    label: 'What to change',
    next: 'Edit your application and submit it again; it keeps its place in the review.',
  },
  approved: {
    subject: 'Your researcher credentials are approved',
    lead: 'Your researcher credential application is approved. Repositories that require credentialed researchers now count you as one.',
    label: 'Comment from the staff',
    next: 'You can see your credential at any time on your credential page.',
  },
  rejected: {
    subject: 'Your credential application was rejected',
    lead: 'Your researcher credential application was rejected.',
    label: 'Reason',
    next: 'You may start a new application once you have addressed the reason.',
  },
  revoked: {
    subject: 'Your researcher credentials were revoked',
    lead: 'Your researcher credentials were revoked. Access that requires credentialed status stops now.',
    label: 'Reason',
    next: 'Contact the credentialing staff if you believe this is a mistake.',
  },
};

export function applicantNotice(options: { baseUrl: string; applicant: { id: string; email: string }; kind: ApplicantNoticeKind; comment: string | null }): Notice {
  const text = APPLICANT_TEXT[options.kind];
  const body = [text.lead, ...(options.comment ? ['', `${text.label}:`, options.comment] : []), '', text.next].join('\n');
  return { userId: options.applicant.id, to: options.applicant.email, subject: text.subject, body, link: `${options.baseUrl}/settings/credential` };
}
