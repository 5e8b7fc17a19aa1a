import fc from 'fast-check';
import { z } from 'zod';

/**
 * Request bodies for fuzzing, built from the zod schemas the handlers validate with: a body that
 * satisfies the schema's JSON Schema as far as it can be read, then one field broken on purpose.
 * Near-valid bodies get past the first checks, so the fuzz reaches deep validation and the use
 * cases behind it, not just the "not an object" answer.
 */
type JsonSchema = {
  type?: string | string[]; properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean; propertyNames?: JsonSchema; anyOf?: JsonSchema[]; oneOf?: JsonSchema[];
  enum?: unknown[]; const?: unknown; minLength?: number; maxLength?: number; pattern?: string; format?: string;
  minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; minItems?: number; maxItems?: number;
};

export const toJsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

const DEEP_MARK = '__nested_arrays_';

/** A body as JSON text, with each deep-nesting marker expanded to that many nested arrays. */
export const toJsonText = (value: unknown) =>
  JSON.stringify(value).replace(new RegExp(`"${DEEP_MARK}(\\d+)__"`, 'g'), (_, depth: string) => '['.repeat(Number(depth)) + ']'.repeat(Number(depth)));

/** Dates as the API takes them, and the malformed ones it must refuse by name. */
const dateLike = fc.oneof(
  fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ min: new Date('2027-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('2026-13-45', '2026-02-30T25:61:00Z', 'tomorrow', '', '0000-00-00', '+275760-09-13T00:00:00.000Z', '9999-12-31T23:59:59Z'),
  fc.integer(),
);

/** Values of the wrong kind, sizes and alphabets that break parsers: what a mutation puts in a field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, '', ' ', '\u0000', '\ud800', 'e\u0301', '名前', '🙂', '../../etc/passwd', '<script>alert(1)</script>', '%00', '{}', '[]', 'null', 'true', '1e999'),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.integer({ min: 20_000, max: 200_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 1, max: 300 }).map((n) => 'é'.repeat(n)),
  fc.integer({ min: 50, max: 400 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
  fc.integer({ min: 20, max: 200 }).map((depth) => JSON.parse('{"a":'.repeat(depth) + '1' + '}'.repeat(depth)) as unknown),
  // Deeper than JSON.stringify can write back (it overflows the stack near 10,000 levels), so it
  // travels as a marker that toJsonText expands in the text: the test itself must not overflow.
  fc.integer({ min: 10_000, max: 30_000 }).map((depth) => `${DEEP_MARK}${depth}__`),
  fc.array(fc.string({ maxLength: 5 }), { minLength: 50, maxLength: 300 }),
  fc.jsonValue({ maxDepth: 2 }),
  dateLike,
);

/** A lookaround-free version of a pattern, for fast-check's regular-expression generator. */
function simplePattern(pattern: string): RegExp | null {
  const stripped = pattern.replace(/\(\?<?[!=](?:[^()]|\([^()]*\))*\)/g, '');
  try {
    return new RegExp(stripped);
  } catch {
    return null;
  }
}

function stringArbitrary(s: JsonSchema): fc.Arbitrary<string> {
  if (s.format === 'email') return fc.emailAddress();
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? min + 40, Math.max(min + 40, 80));
  if (s.pattern) {
    const re = simplePattern(s.pattern);
    if (re) return fc.stringMatching(re).filter((v) => v.length >= min && v.length <= (s.maxLength ?? Infinity));
  }
  // Long minimums (statements, summaries) are met with repeated words, cheaply.
  if (min > 40) return fc.constantFrom('word ', 'Research purpose. ').map((w) => w.repeat(Math.ceil(min / w.length) + 1).slice(0, Math.max(min, Math.min(max, min + 10))));
  return fc.string({ minLength: min, maxLength: max });
}

function numberArbitrary(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1000);
  const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : 1000);
  return integer ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** A value the schema accepts, as far as JSON Schema describes it (refinements are left to luck). */
export function validArbitrary(s: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const choices = s.anyOf ?? s.oneOf;
  if (choices) return fc.oneof(...choices.map((c) => validArbitrary(c, depth + 1)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string': return stringArbitrary(s);
    case 'integer': return numberArbitrary(s, true);
    case 'number': return numberArbitrary(s, false);
    case 'boolean': return fc.boolean();
    case 'null': return fc.constant(null);
    case 'array': {
      const minLength = s.minItems ?? 0;
      return fc.array(s.items ? validArbitrary(s.items, depth + 1) : fc.jsonValue({ maxDepth: 1 }), { minLength, maxLength: Math.min(s.maxItems ?? minLength + 3, minLength + 3) });
    }
    case 'object': {
      if (s.properties) {
        const model = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, validArbitrary(v, depth + 1)]));
        return fc.record(model, { requiredKeys: s.required ?? [] });
      }
      const values = typeof s.additionalProperties === 'object' ? validArbitrary(s.additionalProperties, depth + 1) : fc.jsonValue({ maxDepth: 1 });
      return fc.dictionary(s.propertyNames ? stringArbitrary(s.propertyNames) : fc.string({ minLength: 1, maxLength: 12 }), values, { maxKeys: 3 });
    }
    default:
      // `{}`: a zod type JSON Schema cannot state; in these schemas, always a date.
      return depth > 6 ? fc.constant(null) : fc.oneof(dateLike, fc.jsonValue({ maxDepth: 1 }));
  }
}

/** Every place in a value a mutation can reach, as key paths. */
function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (out.length > 200) return out;
  if (Array.isArray(value)) value.forEach((v, i) => { out.push([...prefix, i]); pathsOf(v, [...prefix, i], out); });
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) { out.push([...prefix, k]); pathsOf(v, [...prefix, k], out); }
  return out;
}

export type Mutation = { kind: 'replace' | 'delete' | 'extra' | 'none'; pick: number; value: unknown; key: string };

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('replace', 'replace', 'replace', 'delete', 'extra', 'none'),
  pick: fc.nat(),
  value: hostileValue,
  key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'id', 'status', 'createdBy', 'x'), fc.string({ maxLength: 10 })),
});

/** Applies one mutation to a copy of `value`: one field gets a hostile value, goes missing, or gains a stranger beside it. */
export function mutate(value: unknown, m: Mutation): unknown {
  if (m.kind === 'none') return value;
  const copy = structuredClone(value);
  const paths = pathsOf(copy);
  if (paths.length === 0) return m.kind === 'replace' ? m.value : copy;
  const path = paths[m.pick % paths.length]!;
  let parent = copy as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (m.kind === 'replace') parent[last] = m.value;
  else if (m.kind === 'delete') Array.isArray(parent) ? parent.splice(last as number, 1) : delete parent[last];
  else if (!Array.isArray(parent)) Object.defineProperty(parent, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** What goes over the wire: JSON of a (mutated) body, or raw garbage with the content type it claims. */
export type RawBody = { body: string; contentType: string | null };

export const garbageBody: fc.Arbitrary<RawBody> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }).map((body) => ({ body, contentType: 'application/json' })),
  fc.jsonValue({ maxDepth: 3 }).chain((v) => fc.nat({ max: Math.max(0, JSON.stringify(v).length - 1) }).map((cut) => ({ body: JSON.stringify(v).slice(0, cut), contentType: 'application/json' }))),
  fc.jsonValue({ maxDepth: 2 }).chain((v) => fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-16', null).map((contentType) => ({ body: JSON.stringify(v), contentType }))),
  fc.constantFrom('', 'null', '[]', '"text"', '1', '{"a":1,}', '{"a":', '\u0000', '\ufeff{}', 'a=1&b=2').map((body) => ({ body, contentType: 'application/json' })),
);
