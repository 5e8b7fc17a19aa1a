import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { noMorePositionals, usageError } from '../args.ts';
import { DEFAULT_ENDPOINT, normalizeEndpoint, readSavedCredentials, saveCredentials } from '../credentials.ts';
import { ApiClient } from '../http-client.ts';
import { CliError, print, printError } from '../output.ts';

const USAGE = `Usage: airlock login [--token hf_...] [--endpoint URL]

Checks a token with the server and saves it, with the endpoint, for the other client commands
in $AIRLOCK_CONFIG_DIR/credentials.json (default ~/.config/airlock/, readable by you only).
Without --token the token is read from standard input: typed without echo on a terminal,
or the first line of a pipe (echo "$TOKEN" | airlock login).
The endpoint is --endpoint, else AIRLOCK_ENDPOINT, else the saved one, else ${DEFAULT_ENDPOINT}.
AIRLOCK_ENDPOINT and AIRLOCK_TOKEN, when set, override what is saved.`;

interface WhoAmI {
  name?: unknown;
}

export async function loginCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { token: { type: 'string' }, endpoint: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    print(USAGE);
    return 0;
  }
  noMorePositionals(positionals, USAGE);
  const endpoint = normalizeEndpoint(values.endpoint ?? process.env.AIRLOCK_ENDPOINT ?? (await savedEndpoint()) ?? DEFAULT_ENDPOINT);
  const token = (values.token ?? (await readToken())).trim();
  if (!token) throw usageError('No token given.', USAGE);

  const client = new ApiClient({ endpoint, token, tokenSource: 'login' });
  const me = await client.sendJson<WhoAmI>('GET', '/api/whoami-v2');
  if (typeof me.name !== 'string') throw new CliError(`${endpoint} did not say who the token belongs to. Is it an Airlock server?`);

  const file = await saveCredentials({ endpoint, token });
  print(`Signed in to ${endpoint} as ${me.name}`);
  print(`Credentials saved to ${file}`);
  if (process.env.AIRLOCK_TOKEN) printError('Note: AIRLOCK_TOKEN is set in this shell and overrides the saved token until you unset it.');
  return 0;
}

/** A malformed saved file must not stop the login that replaces it. */
async function savedEndpoint(): Promise<string | undefined> {
  try {
    return (await readSavedCredentials())?.endpoint;
  } catch {
    return undefined;
  }
}

async function readToken(): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) return promptHidden('Token (input is hidden): ');
  return readFirstLine(stdin);
}

async function readFirstLine(input: NodeJS.ReadStream): Promise<string> {
  const lines = readline.createInterface({ input, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
    // The rest of the pipe is not ours to wait for.
    input.destroy();
  }
}

/** Reads a line in raw mode so the token is never echoed to the screen or a recording of it. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new CliError('Cancelled; nothing was saved.', 130));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    process.stderr.write(prompt);
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
