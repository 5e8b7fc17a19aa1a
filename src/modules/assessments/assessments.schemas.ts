import { z } from 'zod';
import { ACCESS_LEVELS } from '../repos/repos.tables.ts';
import { DECISIONS } from './assessments.models.ts';

const text = (what: string, max = 20_000) => z.string().trim().min(1, `describe ${what}`).max(max, `keep it under ${max} characters`);
const rating = (what: string) => z.coerce.number({ error: `rate the ${what} from 1 to 5` }).int(`rate the ${what} with a whole number from 1 to 5`).min(1, `rate the ${what} from 1 to 5`).max(5, `rate the ${what} from 1 to 5`);

export const misuseSchema = z.object({
  description: text('the misuse', 5000),
  harmedGroups: text('who could be harmed', 5000),
  likelihood: rating('likelihood'),
  severity: rating('severity'),
  mitigation: z.string().trim().max(5000).optional(),
});

/** A complete assessment, as it must be to be submitted. */
export const assessmentContentSchema = z.object({
  intendedUses: text('the intended uses'),
  intendedUsers: text('the intended users'),
  misuses: z.array(misuseSchema).min(1, 'list at least one foreseeable misuse').max(50, 'list at most 50 misuses'),
  nonConsentingPeople: text('the people who never consented to be studied, and how the release could affect them'),
  mitigations: text('the mitigations'),
  benefits: text('the expected benefits'),
  outputRecognition: text("how to recognise the model's output"),
  accessLevel: z.enum(ACCESS_LEVELS, { error: `choose one of ${ACCESS_LEVELS.join(', ')}` }),
  accessLevelArgument: text('why this access level fits'),
  publicSummary: text('the public summary', 5000),
});

/**
 * A draft: every field may still be missing, but what is there must already be well-formed
 * (a rating is 1–5, a level is a level), so a draft never holds what a submission would refuse.
 */
export const assessmentDraftSchema = z.object({
  intendedUses: z.string().trim().max(20_000).optional(),
  intendedUsers: z.string().trim().max(20_000).optional(),
  misuses: z.array(z.object({
    description: z.string().trim().max(5000).optional(),
    harmedGroups: z.string().trim().max(5000).optional(),
    likelihood: rating('likelihood').optional(),
    severity: rating('severity').optional(),
    mitigation: z.string().trim().max(5000).optional(),
  })).max(50, 'list at most 50 misuses').optional(),
  nonConsentingPeople: z.string().trim().max(20_000).optional(),
  mitigations: z.string().trim().max(20_000).optional(),
  benefits: z.string().trim().max(20_000).optional(),
  outputRecognition: z.string().trim().max(20_000).optional(),
  accessLevel: z.enum(ACCESS_LEVELS, { error: `choose one of ${ACCESS_LEVELS.join(', ')}` }).optional(),
  accessLevelArgument: z.string().trim().max(20_000).optional(),
  publicSummary: z.string().trim().max(5000).optional(),
});

export const decisionSchema = z.object({
  decision: z.enum(DECISIONS, { error: 'choose "accept" or "require-stricter"' }),
  rationale: z.string().trim().min(10, 'write the rationale (at least 10 characters); it is published').max(10_000),
  requiredLevel: z.enum(ACCESS_LEVELS).optional(),
});

/**
 * `?stage=NAME`: the assessment of one release stage rather than of the whole repository. The
 * name is the stage's name in the release schedule; a stage may be assessed before the schedule
 * names it, because the schedule is checked against the stage's assessment when it is saved.
 */
export const stageQuerySchema = z.object({
  stage: z.string().trim().min(1, 'name the release stage').max(100, 'a stage name has at most 100 characters').optional(),
});
