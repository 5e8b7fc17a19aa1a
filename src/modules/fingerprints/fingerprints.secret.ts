import path from 'node:path';
import { readOrCreateKeyFile } from '../../lib/key-file.ts';

const loaded = new Map<string, Promise<Buffer>>();

/**
 * The key of the fingerprint PRF, `<data>/keys/fingerprint-secret` (32 random bytes, hex, mode
 * 0600), created on first use. Without it no copy can be traced, so it is backed up with the
 * signing key; anyone holding it can find (and so erase) the marks.
 */
export function loadFingerprintSecret(dataDir: string): Promise<Buffer> {
  let secret = loaded.get(dataDir);
  if (!secret) {
    secret = readOrCreateKeyFile(path.join(dataDir, 'keys', 'fingerprint-secret'));
    secret.catch(() => loaded.delete(dataDir));
    loaded.set(dataDir, secret);
  }
  return secret;
}
