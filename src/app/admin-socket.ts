import fs from 'node:fs/promises';
import net from 'node:net';
import { CliError } from '../cli/output.ts';
import type { AppDeps } from './deps.ts';
import { adminSocketPath } from './instance-lock.ts';

export type AdminRunner = (deps: AppDeps, args: string[], out: (line: string) => void) => Promise<number>;

/**
 * A Unix socket, readable only by the server's own user (0600), through which `airlock admin`
 * runs its commands inside the running server when the embedded database is in use.
 * One request per connection: a JSON array of arguments; the answer is the output, then the exit code.
 */
export async function listenAdminSocket(deps: AppDeps, run: AdminRunner): Promise<() => Promise<void>> {
  const file = adminSocketPath(deps.config.dataDir);
  await fs.rm(file, { force: true });
  const server = net.createServer((socket) => {
    let input = '';
    socket.setEncoding('utf8');
    socket.on('data', async (chunk) => {
      input += chunk;
      if (!input.endsWith('\n')) return;
      let exitCode = 1;
      const lines: string[] = [];
      try {
        const args = JSON.parse(input) as unknown;
        if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new Error('expected a JSON array of strings');
        exitCode = await run(deps, args, (line) => lines.push(line));
      } catch (error) {
        lines.push(`error: ${(error as Error).message}`);
      }
      socket.end(JSON.stringify({ exitCode, lines }) + '\n');
    });
  });
  const previousMask = process.umask(0o177);
  await new Promise<void>((resolve, reject) => server.listen(file, resolve).once('error', reject)).finally(() => process.umask(previousMask));
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

function sendOnce(dataDir: string, args: string[]): Promise<{ exitCode: number; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(adminSocketPath(dataDir));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify(args) + '\n'));
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('end', () => {
      try {
        resolve(JSON.parse(answer));
      } catch {
        reject(new Error('The running server gave no answer to the admin command. Check its log.'));
      }
    });
    socket.on('error', reject);
  });
}

/** Sends an admin command to the running server, waiting for its socket while it is still starting. */
export async function sendAdminCommand(dataDir: string, args: string[], waitMs = 30_000): Promise<{ exitCode: number; lines: string[] }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await sendOnce(dataDir, args);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const starting = code === 'ENOENT' || code === 'ECONNREFUSED';
      if (!starting || Date.now() > deadline) {
        throw new CliError(`Cannot reach the running server's admin socket at ${adminSocketPath(dataDir)} (${(error as Error).message}). Run this command as the user that runs the server, or stop the server and try again.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
