import { loadConfig } from '../app/config.ts';
import type { AppDeps } from '../app/deps.ts';
import { sendAdminCommand } from '../app/admin-socket.ts';
import { lockHolder } from '../app/instance-lock.ts';
import { openRuntime } from '../app/runtime.ts';
import { runAdminCommand } from './commands/admin.ts';
import { runAuditCommand } from './commands/audit.ts';
import { runTraceCommand } from './commands/trace.ts';
import { CliError, print, printError } from './output.ts';

/**
 * Commands that work on the server's own database (`admin …`, `audit …`). The same function runs
 * in the CLI process, or inside a running server when the CLI forwards the command over the admin socket.
 */
export async function runLocalCommand(deps: AppDeps, argv: string[], out: (line: string) => void): Promise<number> {
  const [group, ...rest] = argv;
  if (group === 'admin') return runAdminCommand(deps, rest, out);
  if (group === 'audit') return runAuditCommand(deps, rest, out);
  if (group === 'trace') return runTraceCommand(deps, rest, out);
  throw new CliError(`"${group}" is not a local command.`, 2);
}

/**
 * Runs a local command: through the running server when it holds the embedded database
 * (PGlite is single-process), otherwise on a database opened here.
 */
export async function runLocally(argv: string[]): Promise<number> {
  const config = loadConfig();
  const emit = (line: string) => (line.startsWith('error: ') ? printError(line) : print(line));
  if (!config.databaseUrl && (await lockHolder(config.dataDir)) !== null) {
    const { exitCode, lines } = await sendAdminCommand(config.dataDir, argv);
    lines.forEach(emit);
    return exitCode;
  }
  const runtime = await openRuntime({ ...config, logLevel: 'silent' });
  try {
    return await runLocalCommand(runtime.deps, argv, emit);
  } finally {
    await runtime.close();
  }
}
