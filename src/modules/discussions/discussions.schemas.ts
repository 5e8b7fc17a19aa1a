import { z } from 'zod';
import { COMMENT_MAX, TITLE_MAX } from './discussions.models.ts';

const body = z.string({ error: 'write a comment' }).trim().min(1, 'write a comment').max(COMMENT_MAX, `keep it under ${COMMENT_MAX} characters`);

export const newThreadSchema = z.object({
  title: z.string({ error: 'give the thread a title' }).trim().min(3, 'give the thread a title of at least 3 characters').max(TITLE_MAX, `keep the title under ${TITLE_MAX} characters`),
  body,
});

export const commentSchema = z.object({ body });

export const appealSchema = z.object({ body });

/** Hiding and locking say why: readers see the reason in place of what was hidden. */
export const moderationReasonSchema = z.object({
  reason: z.string({ error: 'say why (readers see it)' }).trim().min(3, 'say why, in at least 3 characters').max(1000),
});

export const unlockSchema = z.object({ reason: z.string().trim().max(1000).optional() });
