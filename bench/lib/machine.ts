import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';

/** CPU, cores, memory and Node version, for the results file. */
export function machineDetails() {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return {
    cpu,
    cores: os.cpus().length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/**
 * nginx and wrk come from Debian's packages. They are installed when missing, so a fresh machine
 * (CI included) needs nothing beyond `npm ci`. nginx is only run by the benchmark itself, on its
 * own port and configuration; the Debian service the package starts is stopped again.
 */
export function ensureTools(log: (line: string) => void) {
  const missing = [['nginx', 'nginx'], ['wrk', 'wrk'], ['curl', 'curl'], ['sha256sum', 'coreutils'], ['ab', 'apache2-utils']].filter(([command]) => !has(command!) && !has(`/usr/sbin/${command}`));
  if (missing.length === 0) return;
  const packages = missing.map(([, pkg]) => pkg!);
  log(`Installing ${packages.join(', ')} from Debian's packages…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args: string[]) => spawnSync(sudo.length ? 'sudo' : args[0]!, sudo.length ? args : args.slice(1), { env, stdio: 'inherit' });
  if (run(['apt-get', 'install', '-y', '-qq', ...packages]).status !== 0) {
    run(['apt-get', 'update', '-qq']);
    if (run(['apt-get', 'install', '-y', '-qq', ...packages]).status !== 0) throw new Error(`Could not install ${packages.join(', ')}. Install them with apt-get and run the benchmark again.`);
  }
  if (packages.includes('nginx')) spawnSync('sh', ['-c', 'service nginx stop || nginx -s stop'], { stdio: 'ignore' });
}

export const nginxBinary = () => (has('nginx') ? 'nginx' : '/usr/sbin/nginx');

export function commandOutput(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}
