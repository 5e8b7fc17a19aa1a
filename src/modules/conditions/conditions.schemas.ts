import { z } from 'zod';
import { normaliseConditionTexts } from './conditions.models.ts';

export const conditionText = z.string().trim().min(5, 'write the condition as a sentence (at least 5 characters)').max(1000, 'keep a condition under 1000 characters');

export const platformConditionSchema = z.object({ text: conditionText });

/** A list of conditions (publisher's policy, a committee's grant), cleaned of blanks and repeats. */
export const conditionListSchema = z.array(conditionText).max(20, 'at most 20 conditions').default([]).transform(normaliseConditionTexts);
