import { sql } from 'drizzle-orm';
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
    if (/certificate-checks\/:id|certificates\/:id|uploads\/:id/.test(pattern)) return ids.certificateUpload;
    return NONE; // trusted brokers: none exist, so every actor meets a 404 or a refusal
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
 * Tables a refused request may legitimately touch, or that change on their own: the audit log
 * (refusals are audited), token and session use times, the access epoch, and mail and webhook
 * delivery, which run after an earlier success's response.
 */
const UNTRACED = new Set(['audit_events', 'audit_chain', 'audit_checkpoints', 'access_epoch', 'api_tokens', 'sessions', 'mail_outbox', 'notifications', 'webhook_deliveries', 'webhook_attempts']);

/** One digest per table of the world's database, to see which tables a run of requests changed. */
export async function snapshot(world: World): Promise<Map<string, string>> {
  const db = world.server.runtime.deps.db;
  const rowsOf = async <T>(query: ReturnType<typeof sql>) => ((await db.execute(query)) as unknown as { rows: T[] }).rows;
  const listed = await rowsOf<{ table_name: string }>(sql`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`);
  const tables = listed.map((r) => r.table_name).filter((t) => !UNTRACED.has(t) && /^[a-z_]+$/.test(t));
  const query = tables.map((t) => `select '${t}' as name, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as digest from "${t}" x`).join(' union all ');
  const digests = await rowsOf<{ name: string; digest: string }>(sql.raw(query));
  return new Map(digests.map((r) => [r.name, r.digest]));
}

const changedTables = (a: Map<string, string>, b: Map<string, string>) => [...a.keys()].filter((t) => a.get(t) !== b.get(t));

/** Expected outcomes that are refusals: the request must change nothing. */
export const REFUSALS = new Set(['401', '403', '404', 'in']);

/**
 * Every row against every actor: the safe rows first (`concurrency` at a time; one by default, as
 * the embedded database answers one query at a time anyway); then the changing rows one
 * request at a time in table order (actors in column order), so that what a success changes is
 * the same on every run; rows marked `phase` run after the rest, lowest phase first.
 */
export async function runMatrix(world: World, rows: Row[], concurrency = 1): Promise<{ results: Sent[]; traces: string[] }> {
  const safe = rows.filter((r) => SAFE.has(r.route.split(' ')[0]!));
  const changing = rows.filter((r) => !SAFE.has(r.route.split(' ')[0]!)).map((r, i) => ({ r, i })).sort((a, b) => (a.r.phase ?? 0) - (b.r.phase ?? 0) || a.i - b.i).map(({ r }) => r);
  const traces: string[] = [];
  const results = await bounded(safe.flatMap((row) => ACTORS.map((actor) => () => send(world, row, actor))), concurrency);
  for (const row of changing) {
    // Rate limits (sign-in, anonymous reports) count per address per hour: each such row starts afresh.
    if (row.freshLimits) world.clock.advance(61 * 60_000);
    // Consecutive refused cells are bracketed by snapshots: a refusal must come before any change.
    let before: Map<string, string> | null = null;
    let refused: ActorName[] = [];
    const close = async () => {
      if (!before) return;
      const changed = changedTables(before, await snapshot(world));
      if (changed.length) traces.push(`${row.route} as ${refused.join(', ')}: refused, yet changed ${changed.join(', ')}`);
      before = null;
      refused = [];
    };
    for (const actor of ACTORS) {
      const refusal = REFUSALS.has(row.expect[actor]);
      if (refusal && !before) before = await snapshot(world);
      if (!refusal) await close();
      const sent = await send(world, row, actor);
      results.push(sent);
      if (refusal) refused.push(actor);
    }
    await close();
  }
  return { results, traces };
}
