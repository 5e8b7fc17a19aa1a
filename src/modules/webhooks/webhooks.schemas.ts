import { z } from 'zod';
import { WEBHOOK_EVENTS } from './webhooks.models.ts';

export const createEndpointSchema = z.object({
  url: z.string({ error: 'give the endpoint URL' }).trim().min(1, 'give the endpoint URL').max(2000, 'use at most 2000 characters'),
  events: z.array(z.enum(WEBHOOK_EVENTS, { error: `choose events among: ${WEBHOOK_EVENTS.join(', ')}` })).max(WEBHOOK_EVENTS.length).optional()
    .transform((events) => [...new Set(events ?? [])]),
});

export const webhookSettingsSchema = z.object({
  allowPrivateTargets: z.boolean({ error: 'say true or false' }),
});
