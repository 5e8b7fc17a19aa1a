import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { keysFromKeySet } from '../../app/keys.ts';
import { compareWithManifest, MANIFEST_FORMAT, verifyManifestSignature, type LocalFile, type SignedManifest } from '../../modules/manifests/manifests.models.ts';
import { noMorePositionals, parseRepoId, parseRepoType, usageError } from '../args.ts';
import { resolveClientSettings } from '../credentials.ts';
import { ApiClient } from '../http-client.ts';
import { CliError, print, printError } from '../output.ts';
import { createProgress } from '../progress.ts';

const USAGE = `Usage: airlock verify DIR (--manifest FILE | --repo OWNER/NAME [--revision R] [--type model|dataset]) [--keys FILE]

Checks a copy of a release obtained anywhere (a mirror, a torrent, a colleague's disk) against the
signed release manifest. Reports every missing, extra or changed file; exits 1 on any mismatch.
  --manifest  a saved manifest (the web page's "manifest" link, or /api/{models|datasets}/REPO/manifest/REV)
  --repo      fetch the manifest of this repository from the server (AIRLOCK_ENDPOINT)
  --revision  branch, tag or commit for --repo (default main)
  --keys      a saved copy of the server's /.well-known/airlock/keys.json; with --manifest, no network is used
  --type      model (default) or dataset`;

/** Folders that tools add next to downloaded files and that are not part of a release. */
const IGNORED = new Set(['.git', '.cache', '.airlock']);

async function listLocalFiles(root: string, dir = ''): Promise<{ path: string; full: string; size: number }[]> {
  const out: { path: string; full: string; size: number }[] = [];
  for (const entry of await fs.readdir(path.join(root, dir), { withFileTypes: true })) {
    if (dir === '' && IGNORED.has(entry.name)) continue;
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    const full = path.join(root, rel);
    // stat, not lstat: a Hugging Face cache snapshot is a folder of symlinks to blobs.
    const stat = await fs.stat(full);
    if (stat.isDirectory()) out.push(...(await listLocalFiles(root, rel)));
    else if (stat.isFile() && !entry.name.endsWith('.incomplete')) out.push({ path: rel.normalize('NFC'), full, size: stat.size });
  }
  return out;
}

async function readJson<T>(file: string, what: string): Promise<T> {
  const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`Cannot read the ${what} ${file} (${error.code ?? error.message}). Check the path.`);
  });
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CliError(`${file} is not JSON, so it is not a ${what}. Download it again.`);
  }
}

export async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { manifest: { type: 'string' }, repo: { type: 'string' }, revision: { type: 'string' }, keys: { type: 'string' }, type: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    print(USAGE);
    return 0;
  }
  const [dir, ...rest] = positionals;
  if (!dir) throw usageError('Name the folder to check.', USAGE);
  noMorePositionals(rest, USAGE);
  if (Boolean(values.manifest) === Boolean(values.repo)) throw usageError('Give either --manifest FILE or --repo OWNER/NAME.', USAGE);
  if (!(await fs.stat(dir).then((s) => s.isDirectory(), () => false))) throw new CliError(`${dir} is not a folder. Give the folder that holds the copy.`, 2);

  const needsServer = Boolean(values.repo) || !values.keys;
  const client = needsServer ? new ApiClient(await resolveClientSettings()) : null;
  let signed: SignedManifest;
  if (values.manifest) signed = await readJson<SignedManifest>(values.manifest, 'manifest');
  else {
    const type = parseRepoType(values.type as string | undefined, USAGE);
    const repo = parseRepoId(values.repo, USAGE);
    signed = await client!.sendJson<SignedManifest>('GET', `${client!.apiBase(type, repo)}/manifest/${encodeURIComponent(values.revision ?? 'main')}`);
  }
  if (signed?.manifest?.format !== MANIFEST_FORMAT || !Array.isArray(signed.manifest.files)) throw new CliError('That file is not an Airlock release manifest.');
  const keySet = values.keys ? await readJson<Parameters<typeof keysFromKeySet>[0]>(values.keys, 'key set') : await client!.sendJson<Parameters<typeof keysFromKeySet>[0]>('GET', '/.well-known/airlock/keys.json');
  const key = keysFromKeySet(keySet).get(signed.signature?.keyId);
  if (!key) throw new CliError(`The manifest is signed with key ${signed.signature?.keyId ?? '(none)'}, which the key set does not list. Fetch the key set from the server that published the release.`);
  if (!verifyManifestSignature(signed, key)) throw new CliError('The manifest\'s signature does not verify: it was altered or not issued by this server. Do not trust this copy; fetch the manifest again.');
  const { manifest } = signed;
  print(`Manifest of ${manifest.repository.type} ${manifest.repository.id} at ${manifest.commit}${manifest.recipient ? ` (copy of ${manifest.recipient})` : ''}: signature valid (key ${signed.signature.keyId}).`);

  const files = await listLocalFiles(dir);
  const progress = createProgress(files.reduce((sum, f) => sum + f.size, 0));
  const local: LocalFile[] = [];
  try {
    for (const file of files) {
      progress.setFile(file.path);
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(file.full, { highWaterMark: 1 << 20 })) {
        hash.update(chunk as Buffer);
        progress.advance((chunk as Buffer).length);
      }
      local.push({ path: file.path, size: file.size, sha256: hash.digest('hex') });
    }
  } finally {
    progress.stop();
  }
  const mismatches = compareWithManifest(manifest, local);
  for (const m of mismatches) printError(m.kind === 'changed' ? `changed: ${m.path} (${m.reason})` : `${m.kind}: ${m.path}`);
  if (mismatches.length > 0) {
    printError(`error: ${mismatches.length} file(s) differ from the signed release. Do not use this copy; download the files named above again.`);
    return 1;
  }
  print(`All ${manifest.files.length} file(s) match the signed release.`);
  return 0;
}
