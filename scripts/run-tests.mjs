#!/usr/bin/env node
// Runs every *.test.ts(x) under src/ and test/ with node's test runner and tsx.
// Node 20's runner takes no globs, so the files are listed here. Extra arguments filter by path.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { listTestFiles } from './test-files.mjs';

const roots = ['src', 'test', 'bench'];
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));

const files = listTestFiles(roots, filters);
if (files.length === 0) {
  console.error('No test files matched.');
  process.exit(1);
}
ensureChromium();
const result = spawnSync(process.execPath, ['--import', 'tsx', '--import', './test/support/fast-check-seed.ts', '--test', '--test-reporter=spec', ...flags, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);

/**
 * The browser tests drive Debian's Chromium (/usr/bin/chromium). On a fresh machine it is
 * installed here, so `npm test` works as the README promises; without the rights to install it,
 * the message says which command to run.
 */
function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) return;
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const apt = (args) => spawnSync(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), ...args], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  console.log('Chromium is missing; installing Debian\'s chromium package for the browser tests…');
  if (apt(['install', '-y', '-qq', 'chromium']) || (apt(['update', '-qq']) && apt(['install', '-y', '-qq', 'chromium']))) return;
  console.error('Could not install Chromium. Run `sudo apt-get install chromium`, then `npm test` again.');
  process.exit(1);
}
