import fs from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importPKCS8, type CryptoKey, type JWK } from 'jose';
import { writeFileOnce } from '../../lib/key-file.ts';

/**
 * The ES256 key that signs visas and passports, beside the ed25519 key under `<data>/keys/`
 * (GA4GH clearinghouses expect ES256 or RS256; ed25519 is not in the profile). Created on first
 * use (mode 0600); its public half is published at `/.well-known/jwks.json`.
 */
export interface VisaKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
}

const cache = new Map<string, Promise<VisaKey>>();

export function loadVisaKey(dataDir: string): Promise<VisaKey> {
  let key = cache.get(dataDir);
  if (!key) {
    key = loadOrCreate(dataDir);
    key.catch(() => cache.delete(dataDir));
    cache.set(dataDir, key);
  }
  return key;
}

async function loadOrCreate(dataDir: string): Promise<VisaKey> {
  const dir = path.join(dataDir, 'keys');
  const file = path.join(dir, 'visa-key-es256.pem');
  let pem: string;
  try {
    pem = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    // Another process may create it first: then theirs is used, so every instance signs with one key.
    pem = (await writeFileOnce(file, await exportPKCS8(privateKey))).contents;
  }
  const privateKey = await importPKCS8(pem, 'ES256', { extractable: true });
  const { d: _private, ...publicJwk } = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { privateKey, publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' }, kid };
}
