import { z } from 'zod';
import { signSchema } from '../agreements/agreements.schemas.ts';
import { FIELD_TYPES } from './application-form.models.ts';
import { conditionListSchema } from '../conditions/conditions.schemas.ts';

/** Answers to a form: text, a checkbox, or a list of options. */
const answersSchema = z.record(z.string().max(64), z.union([z.string().max(20_000), z.boolean(), z.array(z.string().max(1000)).max(100)]));

export const applySchema = z.object({
  purpose: z.string().trim().max(20_000).default(''),
  fields: answersSchema.default({}),
  /** The signature of the repository's current agreement, when it has one. */
  agreement: signSchema.optional(),
  /** Keep it as a draft: nothing is checked or signed until it is submitted. */
  draft: z.boolean().optional(),
});

export const editSchema = z.object({
  purpose: z.string().trim().max(20_000).optional(),
  fields: answersSchema.optional(),
});

export const voteSchema = z
  .object({
    decision: z.enum(['approve', 'reject', 'return'], { error: 'must be approve, reject or return' }),
    comment: z.string().trim().max(5000).optional(),
    /** Special conditions on the grant (source `committee`); only with an approval. */
    conditions: conditionListSchema,
  })
  .superRefine((vote, ctx) => {
    if (vote.decision !== 'approve' && vote.conditions.length > 0) ctx.addIssue({ code: 'custom', path: ['conditions'], message: 'conditions go with an approval: they are terms of the grant' });
    // The applicant reads the reason: a rejection or a return without one leaves them guessing.
    if (vote.decision !== 'approve' && !vote.comment) ctx.addIssue({ code: 'custom', path: ['comment'], message: `explain the ${vote.decision === 'reject' ? 'rejection' : 'changes you need'}: the applicant reads it` });
  });

export const conflictSchema = z.object({ reason: z.string().trim().min(3, 'say briefly what the conflict is').max(2000) });

export const commentSchema = z.object({ text: z.string().trim().min(1, 'write the comment').max(5000) });

const formFieldSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9_]{1,64}$/, 'use lowercase letters, digits and _ (at most 64)'),
    label: z.string().trim().min(1, 'give the field a label').max(200),
    type: z.enum(FIELD_TYPES),
    required: z.boolean().default(true),
    options: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
    help: z.string().trim().max(1000).optional(),
  })
  .superRefine((field, ctx) => {
    if ((field.type === 'select' || field.type === 'multi-select') && !field.options?.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'a select field needs options' });
  });

const decisionRuleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('single') }),
  z.object({ kind: z.literal('committee'), required: z.number().int().min(1, 'at least one approval').max(50), veto: z.boolean().default(false) }),
]);

export const policySchema = z
  .object({
    requiresCredential: z.boolean().default(false),
    /** Slugs of trainings (GET /api/trainings) an applicant must hold a valid certificate for. */
    requiredTrainings: z.array(z.string().trim().min(1).max(63)).max(20).default([]),
    minStatementLength: z.number().int().min(0).max(20_000).default(0),
    grantDurationDays: z.number().int().min(1).max(3650).nullable().default(null),
    decisionRule: decisionRuleSchema.default({ kind: 'single' }),
    /** Null: the form declared in the card (`extra_gated_fields`). */
    formFields: z.array(formFieldSchema).max(50).nullable().default(null),
    /** The publisher's conditions, one sentence each (source `publisher`). */
    conditions: conditionListSchema,
  })
  .superRefine((policy, ctx) => {
    const seen = new Set<string>();
    for (const [i, field] of (policy.formFields ?? []).entries()) {
      if (seen.has(field.name)) ctx.addIssue({ code: 'custom', path: ['formFields', i, 'name'], message: 'two fields have the same name' });
      seen.add(field.name);
    }
  });

export type PolicyInput = z.output<typeof policySchema>;

/** A renewal's short form: what the access is still needed for, and the current agreement's signature. */
export const renewSchema = z.object({
  purpose: z.string().trim().max(20_000).optional(),
  agreement: signSchema.optional(),
});

/** A publisher's revocation: the reason the user reads, and whether they may apply again. */
export const revokeGrantSchema = z.object({
  user: z.string().trim().min(1, 'name the user whose access you revoke'),
  reason: z.string().trim().max(2000).optional(),
  blockReapplication: z.boolean().default(false),
}).superRefine((input, ctx) => {
  if (input.blockReapplication && (input.reason ?? '').length < 3) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'give the reason when you bar the user from applying again: they read it' });
});

/** The oldest first, `limit` at a time; `after` is the cursor of the page before (from the `Link` header). */
export const QUEUE_PAGE = 100;
export const queuePageSchema = z.object({
  limit: z.coerce.number().int('a whole number').min(1).max(500).default(QUEUE_PAGE),
  after: z.string().max(200).optional().transform((value, ctx) => {
    if (value === undefined || value === '') return undefined;
    const cursor = decodeQueueCursor(value);
    if (!cursor) ctx.addIssue({ code: 'custom', message: 'not a cursor from this queue; follow the Link header of the page before' });
    return cursor ?? undefined;
  }),
});

export interface QueueCursor { submittedAt: Date; id: string }

/** Where the next page starts: just after this application, in (submitted, id) order. */
export const encodeQueueCursor = (c: QueueCursor) => Buffer.from(JSON.stringify([c.submittedAt.toISOString(), c.id])).toString('base64url');

function decodeQueueCursor(value: string): QueueCursor | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') return null;
    const submittedAt = new Date(parsed[0]);
    if (Number.isNaN(submittedAt.getTime()) || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(parsed[1])) return null;
    return { submittedAt, id: parsed[1] };
  } catch {
    return null;
  }
}
