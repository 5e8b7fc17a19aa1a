import type { z } from 'zod';
import type { Context } from 'hono';
import { AppError, badRequest } from './errors.ts';

/** Validates input against a zod schema; the first problem becomes a 400 that names the field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : 'body';
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  throw new AppError('invalid_input', 400, `${field}: ${message}.`, {
    field,
    details: { issues: result.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })) },
  });
}

/** A JSON body where an empty one means `{}` (an unlock or unblock needs no reason); malformed JSON is a 400 naming the body. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  return text.trim() === '' ? {} : parseJsonText(text);
}

/** Parses request text as JSON; malformed JSON is a 400 naming the body, never a 500. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('invalid_json', 'body: not valid JSON.', 'body');
  }
}
