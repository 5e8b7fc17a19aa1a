#!/usr/bin/env node
// The `airlock` command. `serve` runs a cached esbuild bundle of the sources (see serve-bundle.mjs
// for why); every other command runs the TypeScript sources through tsx, with no build step.
if (process.argv[2] === 'serve' && process.env.AIRLOCK_SERVE_WITH_TSX !== '1') {
  // Downloads pass through in 1 MiB buffers that live outside the JS heap; a small young
  // generation keeps the short-lived objects of each request from inflating the RSS.
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--max-semi-space-size=2');
  const { bundledMain } = await import('./serve-bundle.mjs');
  const { main } = await import(await bundledMain());
  process.exitCode = await main(process.argv.slice(2));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
