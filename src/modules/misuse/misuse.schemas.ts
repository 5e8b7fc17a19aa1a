import { z } from 'zod';
import { EVIDENCE_MAX, evidenceUrl, MISUSE_CATEGORIES, parseRepoId } from './misuse.models.ts';

const evidenceLink = z.string().transform((value, ctx) => {
  const url = evidenceUrl(value);
  if (url === null) {
    ctx.addIssue({ code: 'custom', message: 'must be an http or https address, such as https://example.org/post/1' });
    return z.NEVER;
  }
  return url;
});

export const fileReportSchema = z.object({
  repo: z.string({ error: 'name the repository, as owner/name' }).refine((v) => parseRepoId(v) !== null, 'name the repository, as owner/name'),
  repoType: z.enum(['model', 'dataset'], { error: 'must be "model" or "dataset"' }).default('model'),
  category: z.enum(MISUSE_CATEGORIES, { error: `choose one of: ${MISUSE_CATEGORIES.join(', ')}` }),
  description: z.string({ error: 'describe what happened' }).trim().min(20, 'describe what happened, in at least 20 characters').max(10_000, 'keep it under 10,000 characters'),
  evidenceLinks: z.array(evidenceLink).max(EVIDENCE_MAX, `give at most ${EVIDENCE_MAX} links`).default([]),
  /** Required without an account: it is how the moderators reach the reporter. */
  email: z.email('must be an email address').max(320).optional(),
});
export type FileReportInput = z.output<typeof fileReportSchema>;

const reason = (what: string) => z.string({ error: `say ${what}` }).trim().min(3, `say ${what}, in at least 3 characters`).max(2000);

/** One triage step. Each says why where the reporter, the publisher or a user will read it. */
export const triageSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('acknowledge'), note: z.string().trim().max(2000).optional() }),
  z.object({ action: z.literal('dismiss'), reason: reason('why it is dismissed (the reporter reads it)') }),
  z.object({ action: z.literal('contact-publisher'), message: z.string({ error: 'write the message to the publisher' }).trim().min(10, 'write the message to the publisher, in at least 10 characters').max(5000) }),
  z.object({ action: z.literal('block'), reason: reason('why (it is shown on the repository page)') }),
  z.object({ action: z.literal('revoke-grants'), user: z.string({ error: 'name the user whose access is revoked' }).trim().min(1, 'name the user whose access is revoked'), reason: reason('why (the user reads it)') }),
  z.object({ action: z.literal('resolve'), note: reason('how it was resolved (the reporter reads it)') }),
], { error: 'choose an action: acknowledge, dismiss, contact-publisher, block, revoke-grants or resolve' });
export type TriageInput = z.output<typeof triageSchema>;
