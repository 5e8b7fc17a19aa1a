import { z } from 'zod';
import { isCountryCode } from './credentials.countries.ts';
import { isValidOrcid, parseOrcid, RESEARCHER_CATEGORIES } from './credentials.models.ts';

/** Browser forms send "" for an empty field; the API may send null or leave it out. All mean "not given". */
const blankToNull = (value: unknown) => (value === undefined || value === null || (typeof value === 'string' && value.trim() === '') ? null : value);

const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToNull, schema.nullable());

const text = (max: number) => optional(z.string().trim().max(max, `use at most ${max} characters`));

const orcid = optional(
  z.string().transform((value, ctx) => {
    const id = parseOrcid(value);
    if (!id) {
      ctx.addIssue({ code: 'custom', message: 'write your ORCID iD as 0000-0002-1825-0097 (or its https://orcid.org/ address)' });
      return z.NEVER;
    }
    if (!isValidOrcid(id)) {
      ctx.addIssue({ code: 'custom', message: `${id} is not a valid ORCID iD: its last character is a checksum and it does not match. Check for a typo` });
      return z.NEVER;
    }
    return id;
  }),
);

const webPage = optional(
  z.string().trim().max(500, 'use at most 500 characters').refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.includes('.');
    } catch {
      return false;
    }
  }, 'give a full web address starting with https:// (or http://)'),
);

export const profileSchema = z.object({
  fullName: text(200),
  institution: text(300),
  jobTitle: text(200),
  category: optional(z.enum(RESEARCHER_CATEGORIES, { error: `choose one of: ${RESEARCHER_CATEGORIES.join(', ')}` })),
  country: optional(
    z.string().trim().toUpperCase().refine(isCountryCode, 'choose a country by its ISO 3166-1 code, such as DE, IN or US'),
  ),
  orcid,
  website: webPage,
});
export type ProfileInput = z.output<typeof profileSchema>;

const email = optional(z.string().trim().max(320, 'use at most 320 characters').pipe(z.email({ error: 'enter a valid email address, such as j.smith@university.edu' })));

/** A draft may be saved incomplete; `applicationGaps` says what submitting still needs. */
export const applicationSchema = z.object({
  researchSummary: optional(z.string().trim().max(20_000, 'use at most 20,000 characters')),
  reference: z
    .object({ name: text(200), email, relationship: text(500) })
    .optional()
    .transform((r) => r ?? { name: null, email: null, relationship: null }),
});
export type ApplicationInput = z.output<typeof applicationSchema>;

const required = (message: string, max = 5000) => z.string({ error: message }).trim().min(1, message).max(max, `use at most ${max} characters`);

export const identityCheckSchema = z.object({ note: text(5000) });
export const returnSchema = z.object({ comment: required('say what the applicant must change; they see this comment') });
export const approveSchema = z.object({ comment: text(5000) });
export const rejectSchema = z.object({ reason: required('give the reason for the rejection; the applicant sees it') });
export const revokeSchema = z.object({ reason: required('give the reason for the revocation; the researcher sees it') });

export const referenceResponseSchema = z.object({
  response: z.enum(['confirm', 'decline'], { error: 'answer "confirm" or "decline"' }),
  note: text(5000),
});
