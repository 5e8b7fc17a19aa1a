import { ACTORS, DATASET, MODEL, PRIVATE, PRIVATE_DATASET, USERNAMES, type ActorName, type World } from './authorization-matrix.world.ts';
import { isPage } from './authorization-matrix.runner.ts';

/**
 * Listings must never reveal what enforcement hides: a private repository to those who may not
 * view it, or another user's applications and personal data. Each listing is fetched as each
 * actor and searched for the identifiers that actor must not see.
 */

/** Catalogue, search, tree and transparency: the same for everyone but the data in them. */
export const PUBLIC_LISTINGS = [
  '/api/models', '/api/models?search=xyzzy', '/api/models?search=lab', '/api/datasets', '/api/datasets?search=xyzzy',
  '/', '/?q=xyzzy', '/?q=lab', '/?type=dataset', '/?type=dataset&q=xyzzy',
  `/api/models/${MODEL}/tree/main`, `/api/models/${MODEL}/tree/main/docs`, `/api/datasets/${DATASET}/tree/main`,
  `/api/models/${MODEL}/transparency`, `/api/datasets/${DATASET}/transparency`, `/${MODEL}/transparency`, `/datasets/${DATASET}/transparency`,
  `/api/models/${MODEL}/discussions`, `/${MODEL}/discussions`, `/api/models/${MODEL}/reviewers`, `/api/models/${MODEL}/access`,
];

/**
 * Direct addresses of the private repositories. To those who may not see them, each must answer
 * exactly as the same address of a repository that does not exist (the name echoed, nothing more).
 */
export const PRIVATE_ADDRESSES = [
  `/api/models/${PRIVATE}`, `/api/models/${PRIVATE}/tree/main`, `/api/models/${PRIVATE}/transparency`, `/api/models/${PRIVATE}/discussions`,
  `/${PRIVATE}/resolve/main/README.md`, `/${PRIVATE}`, `/${PRIVATE}/transparency`, `/api/datasets/${PRIVATE_DATASET}/tree/main`, `/datasets/${PRIVATE_DATASET}`,
];
const MISSING = { [PRIVATE]: 'lab/no-such-weights', [PRIVATE_DATASET]: 'lab/no-such-corpus' };

/** The actor's own records: nobody else's may show. */
export const PERSONAL_LISTINGS = [
  '/api/me/access-requests', '/api/me/grants', '/api/me/signatures', '/api/me/misuse-reports', '/api/me/notifications',
  '/api/me/profile', '/api/me/credential', '/api/me/trainings', '/api/me/visas', '/api/whoami-v2', '/ga4gh/passport/v1',
  '/settings/access', '/settings/reports', '/settings/signatures', '/notifications', '/settings/profile', '/settings/credential', '/settings/trainings',
  '/api/review/queue', '/review',
];

/** Actors allowed to see the private repositories: the publisher (and their read token) and platform moderators and admins. */
const SEES_PRIVATE = new Set<ActorName>(['readtok', 'pub', 'mod', 'admin']);

export interface Leak {
  actor: ActorName;
  path: string;
  status: number;
  found: string;
}

/** The user behind an actor, if any (the read token is the publisher's). */
const userOf = (actor: ActorName) => (actor === 'readtok' ? 'pub' : ['anon', 'badtok'].includes(actor) ? null : USERNAMES[actor] ?? actor);

/** What `actor` must not find in `path`'s answer. */
function forbidden(world: World, actor: ActorName, path: string): string[] {
  const me = userOf(actor);
  const strings: string[] = [];
  // The full names: a search page may echo the query `xyzzy` back, which is no leak.
  if (!SEES_PRIVATE.has(actor)) strings.push(PRIVATE.split('/')[1]!, PRIVATE_DATASET.split('/')[1]!);
  // Other people's ids and addresses: never in a listing (names may appear as authors of public text).
  for (const [username, id] of Object.entries(world.userIds)) {
    if (username === me) continue;
    strings.push(id, `${username}@example.org`);
  }
  // Applications: the applicant's own; the committee's queue and the mail telling them of a new one.
  const reviewer = (me === 'rev' || me === 'conflicted') && ['/api/review/queue', '/review', '/api/me/notifications', '/notifications'].includes(path);
  const applications: [string, string][] = [['pending', world.ids.pendingApplication], ['granted', world.ids.grantedApplication], ['pending', world.ids.otherApplication]];
  for (const [owner, id] of applications) if (owner !== me && !reviewer) strings.push(id);
  // The reporter's report and credential application; staff are told of the one, moderators of the other.
  const told = ['/api/me/notifications', '/notifications'].includes(path);
  if (me !== 'nogrant' && !(told && (actor === 'mod' || actor === 'admin'))) strings.push(world.ids.misuseReport);
  if (me !== 'nogrant' && !(told && (actor === 'staff' || actor === 'admin'))) strings.push(world.ids.credentialApplication);
  return strings;
}

async function fetchAs(world: World, actor: ActorName, path: string) {
  const page = isPage(path.split('?')[0]!);
  const credentials = (page ? world.pages : world.api)[actor];
  const headers: Record<string, string> = page ? { accept: 'text/html' } : {};
  if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
  if (credentials.cookie) headers.cookie = credentials.cookie;
  const response = await fetch(`${world.server.url}${path}`, { headers, redirect: 'manual' });
  return { status: response.status, text: await response.text() };
}

/** Answers that differ only in the name asked for and the request id are the same answer. */
const normalise = (text: string, name: string) => text.split(name).join('<repo>').replace(/"requestId":"[^"]*"/g, '').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>');

/** The private addresses that answer an outsider differently from a missing repository's. */
export async function findDistinguishable(world: World): Promise<string[]> {
  const found: string[] = [];
  for (const actor of ACTORS.filter((a) => !SEES_PRIVATE.has(a))) {
    for (const path of PRIVATE_ADDRESSES) {
      const [real, missing] = Object.entries(MISSING).find(([r]) => path.includes(r))!;
      const a = await fetchAs(world, actor, path);
      const b = await fetchAs(world, actor, path.replace(real, missing));
      if (a.status !== b.status || normalise(a.text, real) !== normalise(b.text, missing)) found.push(`${actor} ${path}: ${a.status} vs ${b.status}`);
    }
  }
  return found;
}

export async function findLeaks(world: World, paths: string[]): Promise<{ leaks: Leak[]; checked: number; privateSeen: Set<ActorName> }> {
  const leaks: Leak[] = [];
  const privateSeen = new Set<ActorName>();
  let checked = 0;
  for (const actor of ACTORS) {
    for (const path of paths) {
      const response = await fetchAs(world, actor, path);
      const text = response.text;
      checked++;
      if (text.includes(PRIVATE.split('/')[1]!)) privateSeen.add(actor);
      // Bounded on the left, so that `otherpub@example.org` is not taken for `pub@example.org`.
      for (const found of forbidden(world, actor, path)) if (new RegExp(`(?<![\\w.-])${found.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(text)) leaks.push({ actor, path, status: response.status, found });
    }
  }
  return { leaks, checked, privateSeen };
}
