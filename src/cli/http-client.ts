import type { ClientSettings } from './credentials.ts';
import { CliError } from './output.ts';

/** Sent on every request, so the audit log tells CLI downloads from other clients. */
const USER_AGENT = 'airlock-cli/0.1';

export type RepoType = 'model' | 'dataset';

export interface RequestOptions {
  json?: unknown;
  /** A streamed or buffered body; streams need `duplex: 'half'`, which `send` adds. */
  body?: ReadableStream<Uint8Array> | Uint8Array;
  headers?: Record<string, string>;
  /** Statuses the caller handles itself instead of failing (for example 416 on a resume). */
  allowStatus?: number[];
}

interface ServerError {
  status: number;
  message: string;
  code?: string;
  hubCode?: string;
}

/** A thin layer over `fetch`: the base URL, the token, and errors that say what to do next. */
export class ApiClient {
  constructor(readonly settings: ClientSettings) {}

  get endpoint() {
    return this.settings.endpoint;
  }

  /** `/api/models/...` or `/api/datasets/...` for a repository. */
  apiBase(type: RepoType, repo: string) {
    return `/api/${type === 'dataset' ? 'datasets' : 'models'}/${encodeRepo(repo)}`;
  }

  /** The Hub-style file URL; each path segment is encoded so spaces, `#` or `?` in names survive. */
  resolveUrl(type: RepoType, repo: string, revision: string, filePath: string) {
    const prefix = type === 'dataset' ? 'datasets/' : '';
    return `${this.endpoint}/${prefix}${encodeRepo(repo)}/resolve/${encodeURIComponent(revision)}/${filePath.split('/').map(encodeURIComponent).join('/')}`;
  }

  /**
   * Sends a request and returns the response when it succeeded. Any other answer becomes a
   * CliError; a server that cannot be reached becomes one that asks whether it runs.
   */
  async send(method: string, target: string, options: RequestOptions = {}): Promise<Response> {
    const url = target.startsWith('/') ? `${this.endpoint}${target}` : target;
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...(options.headers ?? {}) };
    // The token goes only to our own endpoint, never to an absolute URL somewhere else.
    if (this.settings.token && sameOrigin(url, this.endpoint)) headers.Authorization = `Bearer ${this.settings.token}`;
    let body: RequestInit['body'] = options.body as RequestInit['body'];
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, duplex: 'half' } as RequestInit);
    } catch (error) {
      throw unreachable(this.endpoint, error);
    }
    if (response.ok || options.allowStatus?.includes(response.status)) return response;
    throw errorForResponse(await readServerError(response), this.settings, url);
  }

  async sendJson<T>(method: string, target: string, json?: unknown): Promise<T> {
    const response = await this.send(method, target, json === undefined ? {} : { json });
    try {
      return (await response.json()) as T;
    } catch {
      throw new CliError(`${this.endpoint} answered ${method} ${target} with something that is not JSON. Is ${this.endpoint} an Airlock server?`);
    }
  }
}

const encodeRepo = (repo: string) => repo.split('/').map(encodeURIComponent).join('/');

function sameOrigin(url: string, endpoint: string) {
  try {
    return new URL(url).origin === new URL(endpoint).origin;
  } catch {
    return false;
  }
}

/** Network failures from `fetch` are a TypeError whose `cause` carries the system error code. */
export function unreachable(endpoint: string, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const why = cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
  return new CliError(`could not reach ${endpoint} (${why}).\nIs the server running at ${endpoint}? Set AIRLOCK_ENDPOINT, or run \`airlock login --endpoint URL\`.`);
}

/** Airlock errors are problem+json with `detail` and `code`; Hub routes add `error` and `X-Error-Code`. */
async function readServerError(response: Response): Promise<ServerError> {
  const text = await response.text().catch(() => '');
  let body: { detail?: unknown; error?: unknown; code?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON: a proxy's page or an empty HEAD answer; the headers and status still say something.
  }
  const message = [body.detail, body.error, response.headers.get('x-error-message')].find((m): m is string => typeof m === 'string' && m !== '')
    ?? `the server answered ${response.status} ${response.statusText}`.trim();
  return {
    status: response.status,
    message,
    code: typeof body.code === 'string' ? body.code : undefined,
    hubCode: response.headers.get('x-error-code') ?? undefined,
  };
}

const LOGIN_HINT = 'run `airlock login` or set AIRLOCK_TOKEN';

/** The server's message, plus the next step when the message alone does not say it. */
export function errorForResponse(error: ServerError, settings: ClientSettings, url: string): CliError {
  const next = nextStep(error, settings, url);
  return new CliError(next ? `${error.message}\n${next}` : error.message);
}

function nextStep(error: ServerError, settings: ClientSettings, url: string): string | undefined {
  if (error.status === 401) {
    if (error.hubCode === 'GatedRepo' || settings.tokenSource === 'none') return `This needs a token: ${LOGIN_HINT}.`;
    if (settings.tokenSource === 'login') return 'The server refused this token. Create a new one (`airlock admin create-token`, or in the web UI) and run `airlock login` again.';
    const which = settings.tokenSource === 'AIRLOCK_TOKEN' ? 'The token in AIRLOCK_TOKEN' : 'The token saved by `airlock login`';
    return `${which} was refused by ${settings.endpoint}: ${LOGIN_HINT} to a valid token.`;
  }
  // Gate answers already name the unmet requirement and the address to apply at.
  if (error.hubCode === 'GatedRepo') return undefined;
  if (error.status === 404 && error.hubCode === 'RepoNotFound') {
    // Models are the default; a dataset asked for as a model is the commonest 404.
    if (url.startsWith(`${settings.endpoint}/api/models/`)) return 'If it is a dataset, add --type dataset.';
    if (settings.tokenSource === 'none') return `If it is private, ${LOGIN_HINT}.`;
  }
  if (error.status === 429) return 'Wait a moment and try again.';
  if (error.status >= 500 && !error.code) return `Is ${settings.endpoint} an Airlock server? Try again later.`;
  return undefined;
}
