// Builds (or reuses) one ESM bundle of the server's TypeScript sources for `airlock serve`.
//
// Why: tsx transpiles on the fly through module hooks that Node 20 runs in a separate loader
// thread, and that thread alone costs the server about 45 MB of resident memory for its whole
// life. The server's memory budget is 200–256 MB (issues 2 and 6), so `serve` runs the same
// sources bundled by esbuild (which tsx itself uses) instead. Everything else (tests, CLI
// commands) keeps running through tsx. The bundle is rebuilt whenever a source file changes.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'airlock');

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (/\.(ts|tsx|mjs|js|json)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) yield full;
  }
}

/** A fingerprint of every source file's path, size and modification time. */
function sourcesKey() {
  const hash = createHash('sha256');
  for (const file of [...sourceFiles(path.join(root, 'src'))].sort()) {
    const stat = statSync(file);
    hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  hash.update(`${process.version}`);
  return hash.digest('hex').slice(0, 16);
}

/**
 * Returns the file URL of an up-to-date bundle of `src/cli/main.ts`. Packages stay external and
 * resolve from this project's node_modules. Each source file's `import.meta.url` is replaced by
 * its own URL, so files it reads beside itself (migrations, static assets) are found as before.
 */
export async function bundledMain() {
  const outfile = path.join(cacheDir, `serve-${sourcesKey()}.mjs`);
  const exists = await fs.stat(outfile).then(() => true, () => false);
  if (!exists) {
    const esbuild = await import('esbuild');
    await fs.mkdir(cacheDir, { recursive: true });
    const temp = `${outfile}.${process.pid}.tmp`;
    await esbuild.build({
      entryPoints: [path.join(root, 'src/cli/main.ts')],
      outfile: temp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      jsx: 'automatic',
      jsxImportSource: 'hono/jsx',
      logLevel: 'warning',
      plugins: [{
        name: 'own-import-meta-url',
        setup(build) {
          build.onLoad({ filter: /\.(ts|tsx)$/ }, async (args) => ({
            contents: (await fs.readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
            loader: args.path.endsWith('.tsx') ? 'tsx' : 'ts',
          }));
        },
      }],
    });
    // Written whole under a temporary name first, so a concurrent start never loads half a file.
    await fs.rename(temp, outfile);
    // Older bundles are left for a concurrent start that may still be loading one; remove those over a day old.
    for (const name of await fs.readdir(cacheDir)) {
      const file = path.join(cacheDir, name);
      const stat = await fs.stat(file).catch(() => null);
      if (stat && name !== path.basename(outfile) && Date.now() - stat.mtimeMs > 86_400_000) await fs.rm(file, { force: true });
    }
  }
  return pathToFileURL(outfile).href;
}
