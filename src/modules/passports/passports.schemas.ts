import { z } from 'zod';

const httpsOrLoopbackUrl = (what: string) =>
  z.string({ error: `give the ${what} as a URL` }).trim().max(2000, 'use at most 2000 characters').refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, `give the ${what} as a full http(s) URL`);

export const trustedBrokerSchema = z.object({
  iss: httpsOrLoopbackUrl('issuer (the iss of its visas)'),
  jku: httpsOrLoopbackUrl('key set address (jku)'),
});

export const submitVisaSchema = z.object({
  visa: z.string({ error: 'give the visa JWT as a string' }).trim().min(1, 'give the visa JWT').max(16_000, 'use at most 16,000 characters')
    .regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'give a compact JWT (three base64url parts separated by dots)'),
});

/** The `ga4gh_visa_v1` claim of an incoming visa (GA4GH Passport v1.2, "Visa Object"). */
export const incomingVisaObjectSchema = z.object({
  type: z.string().min(1),
  asserted: z.number().int().positive(),
  value: z.string().min(1).max(2000),
  source: z.string().min(1).max(2000),
  by: z.enum(['self', 'peer', 'system', 'so', 'dac']).optional(),
  conditions: z.unknown().optional(),
});
