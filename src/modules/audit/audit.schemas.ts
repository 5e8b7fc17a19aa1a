import { z } from 'zod';

/** An ISO date or date-time; empty means "not set" (forms send empty fields). A bare date as an upper bound means its whole day. */
const optionalTime = (endOfDay = false) => z
  .string()
  .trim()
  .max(40)
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T${endOfDay ? '23:59:59.999' : '00:00:00'}Z` : v);
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'must be a date (YYYY-MM-DD) or an ISO date-time' });
      return z.NEVER;
    }
    return date;
  });

const optionalText = (max: number) => z.string().trim().max(max).optional().transform((v) => (v ? v : undefined));

/** Filters of the admin search. `action` is an exact action, or a family ending in "." (`grant.`). */
export const auditSearchSchema = z.object({
  user: optionalText(100),
  repo: optionalText(250).refine((v) => v === undefined || /^(datasets\/)?[^/\s]+\/[^/\s]+$/.test(v), 'must be OWNER/NAME, or datasets/OWNER/NAME for a dataset'),
  action: optionalText(100).refine((v) => v === undefined || /^[a-z0-9_.-]+$/i.test(v), 'must be an action such as grant.created, or a family such as grant.'),
  from: optionalTime(),
  to: optionalTime(true),
  before: z.string().trim().optional().transform((v, ctx) => {
    if (!v) return undefined;
    if (!/^\d{1,15}$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: 'must be a record number' });
      return z.NEVER;
    }
    return Number(v);
  }),
}).refine((v) => !v.from || !v.to || v.from <= v.to, { message: 'must not be before "from"', path: ['to'] });

export type AuditSearchInput = z.input<typeof auditSearchSchema>;
export type AuditSearch = z.output<typeof auditSearchSchema>;

export const auditExportQuerySchema = z.object({ since: optionalTime() });
