import { z } from 'zod';

export const agreementTextSchema = z.object({
  title: z.string().trim().min(1, 'give the agreement a title').max(200),
  text: z.string().min(20, 'write the agreement text (at least 20 characters)').max(200_000),
});

export const signSchema = z.object({
  version: z.number({ error: 'give the version you read' }).int().min(1),
  signedName: z.string().trim().min(2, 'type your full name').max(200),
  /** Optional: the sha256 of the text the client showed, checked against the stored version. */
  textSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase 64-hex sha256').optional(),
});

export type SignInput = z.infer<typeof signSchema>;
