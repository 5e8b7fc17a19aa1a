import { CliError } from '../output.ts';
import { downloadCommand } from './download.ts';
import { grantCommand, revokeCommand } from './grants.ts';
import { loginCommand } from './login.ts';
import { repoCommand } from './repo.ts';
import { uploadCommand } from './upload.ts';
import { verifyCommand } from './verify.ts';

/**
 * Client commands that talk to a running server. main.ts loads this module only for them, so
 * `airlock serve` and `airlock admin` do not pay for it, and these do not load the server.
 */
const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  login: loginCommand,
  repo: repoCommand,
  upload: uploadCommand,
  download: downloadCommand,
  grant: grantCommand,
  revoke: revokeCommand,
  verify: verifyCommand,
};

export async function clientCommand(name: string, args: string[]): Promise<number> {
  const command = COMMANDS[name];
  if (!command) throw new CliError(`Unknown command "${name}". Run \`airlock --help\` for the list.`, 2);
  return command(args);
}
