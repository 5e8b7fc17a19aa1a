import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileOnce } from '../lib/key-file.ts';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Short id: the first 16 hex of the sha256 of the raw public key. */
  keyId: string;
  created: boolean;
}

/**
 * Loads the server's ed25519 signing key from `<data>/keys/signing-key.pem`, creating it (mode 0600)
 * on first start. It signs release manifests and audit checkpoints.
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const dir = path.join(dataDir, 'keys');
  const file = path.join(dir, 'signing-key.pem');
  let created = false;
  let pem: string;
  try {
    pem = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const { privateKey } = generateKeyPairSync('ed25519');
    // Instances starting at once on a fresh data directory all end up with the first one's key.
    ({ contents: pem, created } = await writeFileOnce(file, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string));
  }
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  return { privateKey, publicKey, keyId, created };
}

export interface PublishedKey {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
  status: 'active' | 'retired';
}

/**
 * The key set at `/.well-known/airlock/keys.json`: the active key plus every retired public key
 * kept under `<data>/keys/retired/*.pem`, so manifests and checkpoints signed before a rotation still verify.
 */
export async function publishedKeySet(dataDir: string, active: SigningKey): Promise<{ keys: PublishedKey[] }> {
  const toJwk = (key: KeyObject, kid: string, status: PublishedKey['status']): PublishedKey => ({ kty: 'OKP', crv: 'Ed25519', x: key.export({ format: 'jwk' }).x!, kid, alg: 'EdDSA', use: 'sig', status });
  const keys = [toJwk(active.publicKey, active.keyId, 'active')];
  const retiredDir = path.join(dataDir, 'keys', 'retired');
  for (const name of (await fs.readdir(retiredDir).catch(() => [] as string[])).sort()) {
    if (!name.endsWith('.pem')) continue;
    const publicKey = createPublicKey(await fs.readFile(path.join(retiredDir, name), 'utf8'));
    // After a rotation interrupted between its steps, the active key may also sit here: list it once.
    if (keyIdOf(publicKey) !== active.keyId) keys.push(toJwk(publicKey, keyIdOf(publicKey), 'retired'));
  }
  return { keys };
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')).digest('hex').slice(0, 16);
}

/** Reads a published key set (JSON) into key id → public key. */
export function keysFromKeySet(set: { keys?: { kty?: string; crv?: string; x?: string; kid?: string }[] }): Map<string, KeyObject> {
  const map = new Map<string, KeyObject>();
  for (const jwk of set.keys ?? []) {
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x) continue;
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
    map.set(keyIdOf(key), key);
  }
  return map;
}

const keyFile = (dataDir: string) => path.join(dataDir, 'keys', 'signing-key.pem');

function fromPem(pem: string): Omit<SigningKey, 'created'> {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/**
 * Replaces the signing key: the old public key goes to `keys/retired/<key id>.pem` (so it stays in
 * the published key set and what it signed still verifies), a new key takes its file, and `active`
 * is updated in place, so everything holding it (the chainer, the manifest signer) signs with the
 * new key from the next signature on. The old private key is destroyed: a retired key never signs
 * again. Each step is an atomic write or rename; after a crash in between, the old key is listed
 * both active and retired, which is harmless, and the rotation can be run again.
 */
export async function rotateSigningKey(dataDir: string, active: SigningKey): Promise<{ retiredKeyId: string; activeKeyId: string }> {
  const retiredDir = path.join(dataDir, 'keys', 'retired');
  await fs.mkdir(retiredDir, { recursive: true, mode: 0o700 });
  const retiredKeyId = active.keyId;
  const retiredFile = path.join(retiredDir, `${retiredKeyId}.pem`);
  await fs.writeFile(`${retiredFile}.tmp`, active.publicKey.export({ type: 'spki', format: 'pem' }) as string, { mode: 0o644 });
  await fs.rename(`${retiredFile}.tmp`, retiredFile);
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const file = keyFile(dataDir);
  await fs.writeFile(`${file}.tmp`, pem, { mode: 0o600 });
  await fs.rename(`${file}.tmp`, file);
  Object.assign(active, fromPem(pem), { created: false });
  return { retiredKeyId, activeKeyId: active.keyId };
}

/**
 * Follows the key file, for a server whose key was rotated by another process (`airlock admin
 * rotate-key` run directly on a PostgreSQL deployment): within `intervalMs` the new key replaces
 * `active` in place. Returns a function that stops watching.
 */
export function followSigningKey(dataDir: string, active: SigningKey, onChange: (keyId: string) => void, intervalMs = 2000): () => void {
  const file = keyFile(dataDir);
  const listener = async () => {
    try {
      const next = fromPem(await fs.readFile(file, 'utf8'));
      if (next.keyId === active.keyId) return;
      Object.assign(active, next, { created: false });
      onChange(next.keyId);
    } catch {
      // Mid-rename or unreadable: the next poll tries again; the old key keeps signing meanwhile.
    }
  };
  fsSync.watchFile(file, { interval: intervalMs, persistent: false }, listener);
  return () => fsSync.unwatchFile(file, listener);
}
