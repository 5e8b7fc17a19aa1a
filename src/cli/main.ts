import { isAppError } from '../lib/errors.ts';
import { CliError, print, printError } from './output.ts';

const USAGE = `airlock — accountable release of high-risk models and datasets

Server:
  airlock serve                      start the platform (PORT, AIRLOCK_DATA, DATABASE_URL, AIRLOCK_PUBLIC_URL)
  airlock admin <command>            bootstrap on the local database (create-user, create-token, create-org, rotate-key)
  airlock audit verify|checkpoint    check the tamper-evident audit log, or sign its head now
  airlock trace FILE [--repo R]      name the recipient of a leaked fingerprinted .safetensors copy
  airlock audit export|verify-export  export a repository's audit records (JSON Lines), check an export offline

Client (AIRLOCK_ENDPOINT, AIRLOCK_TOKEN or \`airlock login\`):
  airlock login                      save a token for this machine
  airlock repo create OWNER/NAME     create a repository
  airlock upload OWNER/NAME PATH...  upload files or folders as one commit
  airlock download OWNER/NAME        download a revision, resuming and checking sha256
  airlock grant OWNER/NAME USER      grant a user access
  airlock revoke OWNER/NAME USER     revoke a user's access
  airlock verify DIR                 check a copy from anywhere against a signed release manifest

Run \`airlock <command> --help\` for the options of one command.`;

type Command = (args: string[]) => Promise<number>;

// Each command loads its module when run: the client commands must not pay for loading the
// server (database drivers, migrations), which would add seconds to every `airlock download`.
const loadClientCommand = (name: string): Command => async (args) => {
  const module = await import('./commands/client.ts');
  return module.clientCommand(name, args);
};

const COMMANDS: Record<string, Command> = {
  serve: async () => (await import('./commands/serve.ts')).serveCommand(),
  admin: async (args) => (await import('./commands/admin.ts')).adminCommand(args),
  audit: async (args) => (await import('./commands/audit.ts')).auditCommand(args),
  trace: async (args) => (await import('./commands/trace.ts')).traceCommand(args),
  login: loadClientCommand('login'),
  repo: loadClientCommand('repo'),
  upload: loadClientCommand('upload'),
  download: loadClientCommand('download'),
  grant: loadClientCommand('grant'),
  revoke: loadClientCommand('revoke'),
  verify: loadClientCommand('verify'),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    print(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    printError(`Unknown command "${name}". Run \`airlock --help\` for the list.`);
    return 2;
  }
  try {
    return await command(args);
  } catch (error) {
    if (error instanceof CliError) {
      printError(`error: ${error.message}`);
      return error.exitCode;
    }
    if (isAppError(error)) {
      printError(`error: ${error.message}`);
      return 1;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      printError(`error: ${error.message}. Run \`airlock ${name} --help\`.`);
      return 2;
    }
    throw error;
  }
}
