import { z } from 'zod';
import { dateInput } from '../../lib/validation.ts';
import { ACCESS_LEVELS } from '../repos/repos.tables.ts';

const stageSchema = z.object({
  name: z.string().trim().min(1, 'give the stage a name').max(100),
  paths: z.array(z.string().trim().min(1, 'a glob cannot be empty').max(500)).max(50).default([]),
  revision: z.string().trim().min(1).max(255).optional(),
  accessLevel: z.enum(ACCESS_LEVELS),
  embargoUntil: dateInput().optional(),
}).refine((s) => (s.paths.length > 0) !== (s.revision !== undefined), { message: 'name either files (paths) or a revision, not both and not neither', path: ['paths'] });

export const scheduleSchema = z.object({
  stages: z.array(stageSchema).max(20, 'at most 20 stages'),
});

export type ScheduleInput = z.infer<typeof scheduleSchema>;
