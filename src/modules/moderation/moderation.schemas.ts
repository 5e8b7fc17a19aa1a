import { z } from 'zod';

/** A block must say why: the repository page shows the reason to everyone. */
export const blockSchema = z.object({
  reason: z.string({ error: 'say why (it is shown on the page)' }).trim().min(3, 'say why, in at least 3 characters').max(2000),
});

export const unblockSchema = z.object({
  reason: z.string().trim().max(2000).optional(),
});
