import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppContext } from '../../app/context.ts';
import { AppError, isAppError } from '../../lib/errors.ts';
import { formBody } from '../../lib/validation.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import type { RepoType } from '../repos/repos.tables.ts';

/**
 * Sends a server-rendered page. Pages differ per visitor (the session cookie), so no shared cache
 * may keep one, and a browser must revalidate before showing it again.
 */
export function sendPage(c: AppContext, page: Parameters<AppContext['html']>[0], status = 200, headers: Record<string, string> = {}) {
  // Pages are sent with 2xx or an AppError's 4xx, never a bodiless status such as 204 or 304.
  return c.html(page, status as ContentfulStatusCode, { 'Cache-Control': 'private, no-cache', Vary: 'Cookie', ...headers });
}

/** The text fields of a posted form; file parts are ignored (no page uploads files). */
export async function formFields(c: AppContext): Promise<Record<string, string>> {
  const body = await formBody(c);
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') fields[key] = value;
  return fields;
}

/**
 * A `?next=` target that stays on this site: a path starting with one `/`. Absolute URLs,
 * protocol-relative `//host`, backslash tricks (`/\host`, which browsers treat as `//host`) and
 * control characters fall back to the catalogue, so sign-in cannot be used as an open redirect.
 */
export function safeNextPath(next: string | undefined | null): string {
  if (!next || next.length > 2000 || !next.startsWith('/') || /[\\\x00-\x1f\x7f]/.test(next) || next.startsWith('//')) return '/';
  const base = 'http://airlock.invalid';
  const url = new URL(next, base);
  // `/.//evil` normalises to `//evil`: check what the path became, not only what was sent.
  if (url.origin !== base || url.pathname.startsWith('//')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

/** Where to send an anonymous visitor who needs an account: sign-in, then back here. */
export const loginPath = (next: string) => `/login?next=${encodeURIComponent(safeNextPath(next))}`;

/** The page's own path and query, to come back to after signing in. */
export const currentPath = (c: AppContext) => {
  const url = new URL(c.req.url);
  return `${url.pathname}${url.search}`;
};

/** An error a form shows next to its fields instead of an error page (client mistakes only). */
export const isFormError = (error: unknown): error is AppError => isAppError(error) && error.status < 500;

/** The use cases prefix messages with the field name ("password: use at least…"); beside the field that is noise. */
export function fieldMessage(error: AppError): string {
  const message = error.field && error.message.startsWith(`${error.field}: `) ? error.message.slice(error.field.length + 2) : error.message;
  return message.charAt(0).toUpperCase() + message.slice(1);
}

export const repoPagePath = (repo: Pick<RepositoryRow, 'type' | 'namespace' | 'name'>) =>
  `/${repo.type === 'dataset' ? 'datasets/' : ''}${encodeURIComponent(repo.namespace)}/${encodeURIComponent(repo.name)}`;

export const downloadPath = (repo: Pick<RepositoryRow, 'type' | 'namespace' | 'name'>, filePath: string) =>
  `${repoPagePath(repo)}/resolve/main/${filePath.split('/').map(encodeURIComponent).join('/')}`;

/**
 * First path segments that belong to the site itself. `/{namespace}/{name}` never looks these up,
 * so `/static/x` or `/api/x` cannot be read as a repository page.
 */
const RESERVED_NAMESPACES = new Set(['api', 'static', 'settings', 'login', 'signup', 'logout', 'healthz', 'datasets', 'models', '.well-known']);

/** The repository a page route names; a reserved first segment is simply not a page. */
export function pageRepoRef(c: AppContext, type: RepoType) {
  const namespace = c.req.param('namespace') ?? '';
  const name = c.req.param('name') ?? '';
  if (type === 'model' && RESERVED_NAMESPACES.has(namespace.toLowerCase())) {
    throw new AppError('not_found', 404, 'Nothing here. Check the address, or start from the catalogue at /.');
  }
  return { type, namespace, name };
}

const UNITS = ['kB', 'MB', 'GB', 'TB', 'PB'];

/** Sizes as the Hub shows them (powers of 1000): `512 B`, `4.1 kB`, `13.5 GB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`;
}

/** A date and time in UTC, unambiguous for readers anywhere. */
export const formatDateTime = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export const formatDate = (date: Date) => date.toISOString().slice(0, 10);
