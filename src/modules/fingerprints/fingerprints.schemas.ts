import { z } from 'zod';

export const fingerprintSettingSchema = z.object({ enabled: z.boolean() }).strict();
