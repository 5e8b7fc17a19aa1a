import { z } from 'zod';
import { dateInput } from '../../lib/validation.ts';

export const createTokenSchema = z.object({
  name: z.string().trim().min(1, 'give the token a name').max(100),
  scope: z.enum(['read', 'write']).default('read'),
  expiresAt: dateInput().optional(),
});
export type CreateTokenInput = z.input<typeof createTokenSchema>;
