import { z } from 'zod';

const revisionSchema = (what: string) => z.string().trim().min(1, `name the ${what} revision (a branch, tag or commit id)`).max(200);

export const compareQuerySchema = z.object({ from: revisionSchema('older'), to: revisionSchema('newer') });

export const historyQuerySchema = z.object({ revision: z.string().trim().min(1).max(200).default('main') });

export const cardEditSchema = z.object({
  content: z.string({ error: 'send the card as markdown text' }),
  message: z.string().trim().max(10_000).optional().transform((m) => m || 'Update model card'),
  /** The commit the editor started from: if the branch moved meanwhile, the edit is refused, not merged. */
  parentCommit: z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-hex commit id').optional().or(z.literal('').transform(() => undefined)),
});
export type CardEditInput = z.input<typeof cardEditSchema>;
