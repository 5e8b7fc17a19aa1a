import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CliError } from './output.ts';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8080';

export interface SavedCredentials {
  endpoint: string;
  token: string;
}

/** Where the token used by the client commands came from; error hints name it. */
export type TokenSource = 'AIRLOCK_TOKEN' | 'saved' | 'login' | 'none';

export interface ClientSettings {
  endpoint: string;
  token?: string;
  tokenSource: TokenSource;
}

/** `$AIRLOCK_CONFIG_DIR`, else `$XDG_CONFIG_HOME/airlock`, else `~/.config/airlock`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AIRLOCK_CONFIG_DIR) return path.resolve(env.AIRLOCK_CONFIG_DIR);
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'airlock');
}

export const credentialsPath = (env: NodeJS.ProcessEnv = process.env) => path.join(configDir(env), 'credentials.json');

/**
 * An endpoint as the commands use it: an http(s) URL with no trailing slash, so that
 * `${endpoint}/api/...` is always well formed and two spellings of one server compare equal.
 */
export function normalizeEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new CliError(`"${raw}" is not a URL. Give the server's address, such as ${DEFAULT_ENDPOINT}.`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`"${raw}" is not an http(s) address. Give the server's address, such as ${DEFAULT_ENDPOINT}.`, 2);
  if (url.search || url.hash) throw new CliError(`"${raw}" has a query or fragment; give only the server's address, such as ${DEFAULT_ENDPOINT}.`, 2);
  return url.toString().replace(/\/+$/, '');
}

export async function readSavedCredentials(env: NodeJS.ProcessEnv = process.env): Promise<SavedCredentials | null> {
  const file = credentialsPath(env);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`Cannot read ${file}: ${(error as Error).message}. Fix its permissions, or run \`airlock login\` again.`);
  }
  try {
    const data = JSON.parse(text) as Partial<SavedCredentials>;
    if (typeof data.endpoint === 'string' && typeof data.token === 'string') return { endpoint: normalizeEndpoint(data.endpoint), token: data.token };
  } catch {
    // Reported below, like any other malformed file.
  }
  throw new CliError(`${file} is not a valid credentials file. Run \`airlock login\` to write it again.`);
}

/**
 * Writes the credentials readable by the owner only. The file is written beside its final name and
 * renamed, so a crash never leaves half a file, and it never exists with wider permissions.
 */
export async function saveCredentials(credentials: SavedCredentials, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = configDir(env);
  const created = await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // Only a directory we created is ours to tighten; an existing one (AIRLOCK_CONFIG_DIR=/somewhere) is left as it is.
  if (created !== undefined) await fs.chmod(dir, 0o700);
  const file = credentialsPath(env);
  const temporary = path.join(dir, `.credentials.${process.pid}.tmp`);
  await fs.rm(temporary, { force: true });
  await fs.writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await fs.chmod(temporary, 0o600);
  await fs.rename(temporary, file);
  return file;
}

/**
 * The endpoint and token for a client command. Environment variables override the saved file.
 * A saved token is sent only to the endpoint it was saved for: with AIRLOCK_ENDPOINT pointing at
 * another server, sending it there would hand one server's credential to another.
 */
export async function resolveClientSettings(env: NodeJS.ProcessEnv = process.env): Promise<ClientSettings> {
  const saved = await readSavedCredentials(env);
  const endpoint = env.AIRLOCK_ENDPOINT ? normalizeEndpoint(env.AIRLOCK_ENDPOINT) : saved?.endpoint ?? DEFAULT_ENDPOINT;
  if (env.AIRLOCK_TOKEN) return { endpoint, token: env.AIRLOCK_TOKEN.trim(), tokenSource: 'AIRLOCK_TOKEN' };
  if (saved && saved.endpoint === endpoint) return { endpoint, token: saved.token, tokenSource: 'saved' };
  return { endpoint, tokenSource: 'none' };
}
