import { z } from 'zod';

export const slugSchema = z.string().trim().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'use 2 to 63 lowercase letters, digits and hyphens');

const questionSchema = z
  .object({
    id: z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'use up to 40 lowercase letters, digits, _ and -'),
    prompt: z.string().trim().min(5).max(2000),
    choices: z.array(z.string().trim().min(1).max(500)).min(2, 'give at least two choices').max(10),
    answer: z.number().int().min(0),
  })
  .superRefine((q, ctx) => {
    if (q.answer >= q.choices.length) ctx.addIssue({ code: 'custom', path: ['answer'], message: `must be the index of one of the ${q.choices.length} choices` });
  });

/** A training as administrators create or replace it. */
export const trainingSchema = z
  .object({
    slug: slugSchema,
    title: z.string().trim().min(3).max(200),
    summary: z.string().trim().min(10).max(2000),
    validityDays: z.number().int().min(1).max(3650),
    passMark: z.number().int().min(1).max(100).default(80),
    modules: z.array(z.object({ title: z.string().trim().min(1).max(200), body: z.string().min(1).max(50_000) })).max(30).default([]),
    questions: z.array(questionSchema).max(100).default([]),
    externalAccepted: z.boolean().default(false),
    externalInstructions: z.string().trim().min(10).max(2000).nullable().default(null),
  })
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    for (const [i, q] of t.questions.entries()) {
      if (seen.has(q.id)) ctx.addIssue({ code: 'custom', path: ['questions', i, 'id'], message: 'two questions have the same id' });
      seen.add(q.id);
    }
    if (t.questions.length > 0 && t.modules.length === 0) ctx.addIssue({ code: 'custom', path: ['modules'], message: 'a quiz needs at least one module to learn from' });
    if (t.questions.length === 0 && !t.externalAccepted) ctx.addIssue({ code: 'custom', path: ['questions'], message: 'give a quiz, or accept external certificates, or both' });
    if (t.externalAccepted && !t.externalInstructions) ctx.addIssue({ code: 'custom', path: ['externalInstructions'], message: 'say which document is expected (provider, course, which page)' });
  });

export type TrainingInput = z.output<typeof trainingSchema>;

/** Answers are checked against the course's questions (`answerProblem`), which knows the choices. */
export const attemptSchema = z.object({ answers: z.record(z.string(), z.unknown()) });

export const completedOnSchema = z
  .string({ error: 'give the completion date printed on the certificate (YYYY-MM-DD)' })
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'give the completion date printed on the certificate (YYYY-MM-DD)')
  .transform((s, ctx) => {
    const date = new Date(`${s}T00:00:00Z`);
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== s) {
      ctx.addIssue({ code: 'custom', message: 'is not a calendar date' });
      return z.NEVER;
    }
    return date;
  });

export const acceptSchema = z.object({ comment: z.string().trim().max(2000).nullish().transform((v) => v || null) });
export const rejectSchema = z.object({ reason: z.string({ error: 'give the reason the user will see' }).trim().min(5, 'say in a few words why, so the user knows what to upload instead').max(2000) });
