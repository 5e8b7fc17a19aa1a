import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

const loaded = new Map<string, Promise<Buffer>>();

/**
 * The key of the fingerprint PRF, `<data>/keys/fingerprint-secret` (32 random bytes, hex, mode
 * 0600), created on first use. Without it no copy can be traced, so it is backed up with the
 * signing key; anyone holding it can find (and so erase) the marks.
 */
export function loadFingerprintSecret(dataDir: string): Promise<Buffer> {
  let secret = loaded.get(dataDir);
  if (!secret) {
    secret = readOrCreate(path.join(dataDir, 'keys', 'fingerprint-secret'));
    secret.catch(() => loaded.delete(dataDir));
    loaded.set(dataDir, secret);
  }
  return secret;
}

async function readOrCreate(file: string): Promise<Buffer> {
  try {
    return parse(await fs.readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    await fs.writeFile(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return parse(await fs.readFile(file, 'utf8'), file);
}

function parse(text: string, file: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} must hold 64 hex characters.`);
  return Buffer.from(hex, 'hex');
}
