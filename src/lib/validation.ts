import { z } from 'zod';
import type { Context } from 'hono';
import type { BodyData, ParseBodyOptions } from 'hono/utils/body';
import { AppError, badRequest } from './errors.ts';

/** The last instant PostgreSQL takes from an ISO date string: later years (`+010000-…`) fail there. */
const LATEST_DATE = new Date('9999-12-31T23:59:59.999Z');

/** A date in a request (an ISO string or epoch milliseconds), refused by name when no column could hold it. */
export const dateInput = () => z.coerce.date().max(LATEST_DATE, 'must be a date before the year 10000');

/** Validates input against a zod schema; the first problem becomes a 400 that names the field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) {
    const bad = unstorable(result.data);
    if (bad) {
      const field = bad.path.length > 0 ? bad.path.join('.') : 'body';
      throw new AppError('invalid_input', 400, `${field}: ${bad.message}.`, { field, details: { issues: [{ field, message: bad.message }] } });
    }
    return result.data;
  }
  const issue = result.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : 'body';
  // zod 4 leaves `issue.input` out unless asked, so look the value up: only a missing one "is required".
  const message = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined ? 'is required' : issue.message;
  throw new AppError('invalid_input', 400, `${field}: ${message}.`, {
    field,
    details: { issues: result.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })) },
  });
}

/** The value at a zod issue's path in the raw input, or undefined when any step is missing. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const LONE_SURROGATE = /\p{Cs}/u;

/** Deeper input than any form or API body needs; JSON.stringify (used to store jsonb) overflows the stack near 10,000. */
export const MAX_INPUT_DEPTH = 64;

/**
 * Where validated input holds something the database cannot store, or null: a NUL character or a
 * lone surrogate in a string or an object key (PostgreSQL text and jsonb cannot hold U+0000, and
 * jsonb refuses an unpaired surrogate), or nesting deeper than
 * MAX_INPUT_DEPTH (free-form fields such as application answers are stored as jsonb). Either
 * would fail at the database as a 500; it is refused here instead, naming the field. Plain objects
 * and arrays are walked without recursion; dates and other values zod produced cannot carry one.
 */
function unstorable(root: unknown): { path: (string | number)[]; message: string } | null {
  // Each entry links to its parent, so a deep body costs linear time; the path is built on a find.
  type Entry = { value: unknown; depth: number; key?: string | number; parent?: Entry };
  const pathOf = (entry: Entry | undefined, last?: string): (string | number)[] => {
    const path: (string | number)[] = last === undefined ? [] : [last];
    for (let e = entry; e && e.key !== undefined; e = e.parent) path.unshift(e.key);
    return path;
  };
  const nul = 'a NUL character is not allowed';
  // A lone surrogate half is not Unicode: jsonb refuses the `\ud800` escape JSON.stringify writes for it.
  const surrogate = 'a lone surrogate is not allowed (it is not valid Unicode)';
  const problemIn = (text: string) => (text.includes('\u0000') ? nul : LONE_SURROGATE.test(text) ? surrogate : null);
  const stack: Entry[] = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const { value, depth } = entry;
    if (typeof value === 'string') {
      const message = problemIn(value);
      if (message) return { path: pathOf(entry), message };
    } else if (value !== null && typeof value === 'object' && (Array.isArray(value) || [Object.prototype, null].includes(Object.getPrototypeOf(value)))) {
      if (depth >= MAX_INPUT_DEPTH) return { path: pathOf(entry), message: `must not nest deeper than ${MAX_INPUT_DEPTH} levels` };
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: depth + 1, key: i, parent: entry });
      } else {
        for (const [key, item] of Object.entries(value)) {
          const message = problemIn(key);
          if (message) return { path: pathOf(entry, key), message };
          stack.push({ value: item, depth: depth + 1, key, parent: entry });
        }
      }
    }
  }
  return null;
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

/**
 * A posted form (url-encoded or multipart). A body that claims to be multipart but is not one
 * makes the platform's FormData parser throw a TypeError; that is the sender's mistake, so it is
 * a 400 naming the body, not a 500. Other errors (a body over its size limit) pass through.
 */
export async function formBody<O extends Partial<ParseBodyOptions>>(c: Context, options?: O): Promise<BodyData<O>> {
  try {
    return await c.req.parseBody<O, BodyData<O>>(options);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw badRequest('invalid_form', 'body: not a valid form; send application/x-www-form-urlencoded or multipart/form-data with a boundary that matches the body.', 'body');
  }
}
