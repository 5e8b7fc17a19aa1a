import { z } from 'zod';
import { OPERATIONS, OTHER_OPERATIONS, type Operation } from './openapi.registry.ts';

export interface RouteInfo { method: string; path: string }

/** `/api/models/:namespace/x` → `/api/{kind}/:namespace/x`, the registry's key for both kinds. */
const registryPath = (path: string) => path.replace(/^\/api\/(models|datasets)\//, '/api/{kind}/');

export function findOperation(method: string, path: string): Operation | undefined {
  const key = `${method} ${path}`;
  return OPERATIONS[key] ?? OPERATIONS[`${method} ${registryPath(path)}`] ?? OTHER_OPERATIONS[key];
}

/** Hono's `:param` and trailing `*` in OpenAPI's `{param}` syntax. */
export const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z_]\w*)/g, '{$1}').replace(/\/\*$/, '/{path}');

const pathParameters = (path: string) => [...toOpenApiPath(path).matchAll(/\{(\w+)\}/g)].map((m) => ({
  name: m[1]!, in: 'path', required: true, schema: { type: 'string' }, ...(m[1] === 'path' ? { description: 'A file or folder path; slashes included.' } : {}),
}));

/** A zod schema as JSON Schema, as the client sends it (before defaults and transforms). */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  try {
    const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    return rest;
  } catch {
    return { description: 'See the error messages of the API for the expected shape.' };
  }
}

function queryParameters(schema: z.ZodType) {
  const object = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({ name, in: 'query', required: object.required?.includes(name) ?? false, schema: property }));
}

const tagOf = (path: string) => {
  const rest = registryPath(path).replace(/^\/api\/(\{kind\}\/:namespace\/:name\/?)?/, '');
  if (!path.startsWith('/api/')) return path.includes('/resolve/') ? 'hub' : 'well-known';
  return (rest.split('/')[0] || 'repositories').replace(/^:.*/, 'repositories');
};

function operationObject(method: string, path: string, op: Operation | undefined) {
  const parameters = [...pathParameters(path), ...(op?.query ? queryParameters(op.query) : [])];
  const body = op?.body
    ? { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } }
    : op?.binaryBody ? { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } } : undefined;
  return {
    operationId: `${method.toLowerCase()}${toOpenApiPath(path).replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: op?.summary ?? 'Not yet described.',
    tags: [op?.hub ? 'hub' : tagOf(path)],
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    ...(op?.public ? { security: [{}, { bearerToken: [] }, { session: [] }] } : {}),
    responses: {
      [method === 'POST' ? '2XX' : '200']: { description: 'Success.' },
      default: { description: 'A problem: a stable `code`, the HTTP status and a message that says what to do.', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    },
  };
}

/**
 * The OpenAPI 3.1 document of the routes the app has registered: every `/api/` route, and the
 * protocol and federation routes listed in the registry. Built from the live route table, so no
 * route can be missing from it; the registry supplies summaries and the zod schemas.
 */
export function buildOpenApiDocument(routes: RouteInfo[], baseUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, path } of routes) {
    if (method === 'ALL' || method === 'HEAD' || method === 'OPTIONS') continue;
    if (!path.startsWith('/api/') && !OTHER_OPERATIONS[`${method} ${path}`]) continue;
    const key = toOpenApiPath(path);
    const entry = (paths[key] ??= {});
    if (entry[method.toLowerCase()]) continue;
    entry[method.toLowerCase()] = operationObject(method, path, findOperation(method, path));
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Airlock API',
      version: '1',
      description: 'Structured, accountable access to high-risk AI models and datasets. Errors are problem+json with a stable `code`. Authenticate with `Authorization: Bearer hf_…` (an Airlock token) or a browser session.',
    },
    servers: [{ url: baseUrl }],
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', description: 'An Airlock API token (hf_…), read or write scope.' },
        session: { type: 'apiKey', in: 'cookie', name: 'airlock_session' },
      },
      schemas: {
        Problem: {
          type: 'object',
          properties: {
            type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' },
            code: { type: 'string' }, field: { type: 'string' }, error: { type: 'string' }, requestId: { type: 'string' },
          },
          required: ['status', 'code'],
        },
      },
    },
    security: [{ bearerToken: [] }, { session: [] }],
  };
}
