import { ACTORS, DATASET, MODEL, ORG, SCRATCH, type ActorName, type Credentials, type World } from './authorization-matrix.world.ts';
import type { Row } from './authorization-matrix.table.ts';

/**
 * Sends the matrix's requests and classifies the answers. Kept apart from the table so the table
 * file stays a table.
 */

const NONE = '00000000-0000-4000-8000-000000000000';
export const SAFE = new Set(['GET', 'HEAD']);

/** API, Hugging Face and machine routes take tokens; everything else is a page and takes a session. */
export function isPage(pattern: string) {
  return !(/^\/(api|\.well-known|ga4gh)\//.test(pattern) || ['/openapi.json', '/metrics', '/healthz'].includes(pattern) || pattern.includes('/resolve/'));
}

/** The concrete path of a route pattern in the world: every parameter gets a real id. */
export function concretePath(pattern: string, world: World): string {
  const { ids } = world;
  const repo = /^\/(api\/)?datasets\//.test(pattern) ? DATASET : MODEL;
  const [namespace, name] = repo.split('/') as [string, string];
  const id = (): string => {
    if (/access-requests\/:id|\/review\/:id|\/settings\/access\/:id/.test(pattern)) return ids.pendingApplication;
    if (/credentials\/:id/.test(pattern)) return ids.credentialApplication;
    if (/discussions\/:id/.test(pattern)) return repo === DATASET ? ids.datasetDiscussion : ids.discussion;
    if (/reports\/:id/.test(pattern)) return ids.misuseReport;
    if (/webhooks\/:id/.test(pattern)) return ids.webhook;
    if (/conditions\/:id/.test(pattern)) return ids.condition;
    if (/agreements\/:id/.test(pattern)) return ids.agreement;
    if (/tokens\/:id/.test(pattern)) return ids.spareToken;
    return NONE; // certificate checks and trusted brokers: none exist, so every actor meets a 404 or a refusal
  };
  const username = (): string => {
    if (/reviewers\/:username/.test(pattern)) return 'extrarev';
    if (/reapplication-blocks\/:username/.test(pattern)) return 'revoked';
    return 'victim';
  };
  return pattern
    .replace(':namespace', namespace)
    .replace(':name', name)
    .replace(':commentId', repo === DATASET ? ids.datasetComment : ids.comment)
    .replace(':id', id())
    .replace(':org', ORG)
    .replace(':username', username())
    .replace(/:revision|:branch/, 'main')
    .replace(':version', '1')
    .replace(':status', 'pending')
    .replace(':provider', 'nowhere')
    .replace(':field', 'affiliation')
    .replace(':slug', 'responsible-research-high-risk-models')
    .replace(':token', 'not-a-real-reference-token')
    .replace(':n', '1')
    .replace('*', pattern.includes('/resolve/') ? 'main/weights.bin' : 'docs');
}

/** Routes whose success would wreck the world for later rows act on the scratch copy instead. */
export const onScratch = (path: string) => path.replace(`/${MODEL}/`, `/${SCRATCH}/`).replace(new RegExp(`/${MODEL}$`), `/${SCRATCH}`);

export interface Sent {
  route: string;
  actor: ActorName;
  got: string;
  detail: string;
}

/** `ok` for 2xx and redirects elsewhere than sign-in, `in` for a redirect to sign-in, otherwise the status. */
export function classify(response: Response): string {
  if (response.status >= 200 && response.status < 300) return 'ok';
  if (response.status >= 300 && response.status < 400) return /^\/login\b|\/login\?/.test(response.headers.get('location') ?? '') ? 'in' : 'ok';
  return String(response.status);
}

export async function send(world: World, row: Row, actor: ActorName): Promise<Sent> {
  const [method, pattern] = row.route.split(' ') as [string, string];
  const page = isPage(pattern);
  const credentials: Credentials = (page ? world.pages : world.api)[actor];
  let path = row.path ? row.path(world, actor) : concretePath(pattern, world);
  if (row.scratch) path = onScratch(path);
  const headers: Record<string, string> = {};
  if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
  if (credentials.cookie) headers.cookie = credentials.cookie;
  let body: string | undefined;
  if (!SAFE.has(method)) {
    const given = row.body ? row.body(world, actor) : undefined;
    if (page) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = world.server.url;
      body = new URLSearchParams((given as Record<string, string>) ?? { x: '1' }).toString();
    } else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(given ?? {});
    }
  }
  if (page) headers.accept = 'text/html';
  let response: Response;
  let text: string;
  try {
    // A route that never answers is a finding too; it must not hang the whole matrix.
    response = await fetch(`${world.server.url}${path}`, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    text = method === 'HEAD' ? '' : await response.text();
  } catch (error) {
    return { route: row.route, actor, got: 'timeout', detail: `${method} ${path} → ${(error as Error).name}` };
  }
  const got = classify(response);
  const code = /"code":"([^"]+)"/.exec(text)?.[1] ?? response.headers.get('x-error-code') ?? '';
  return { route: row.route, actor, got, detail: `${method} ${path} → ${response.status} ${code}`.trim() };
}

/** Runs `tasks` with at most `limit` at once, keeping their order in the result. */
export async function bounded<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  }));
  return results;
}

/**
 * Every row against every actor: the safe rows first (`concurrency` at a time; one by default, as
 * the embedded database answers one query at a time anyway); then the changing rows one
 * request at a time in table order (actors in column order), so that what a success changes is
 * the same on every run; rows marked `phase` run after the rest, lowest phase first.
 */
export async function runMatrix(world: World, rows: Row[], concurrency = 1): Promise<Sent[]> {
  const safe = rows.filter((r) => SAFE.has(r.route.split(' ')[0]!));
  const changing = rows.filter((r) => !SAFE.has(r.route.split(' ')[0]!)).map((r, i) => ({ r, i })).sort((a, b) => (a.r.phase ?? 0) - (b.r.phase ?? 0) || a.i - b.i).map(({ r }) => r);
  const results = await bounded(safe.flatMap((row) => ACTORS.map((actor) => () => send(world, row, actor))), concurrency);
  for (const row of changing) {
    // Rate limits (sign-in, anonymous reports) count per address per hour: each such row starts afresh.
    if (row.freshLimits) world.clock.advance(61 * 60_000);
    for (const actor of ACTORS) results.push(await send(world, row, actor));
  }
  return results;
}
