import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** A 256-bit key for sealing data at rest, and its id (so rows say which key sealed them). */
export interface SealingKey {
  key: Buffer;
  /** The first 16 hex of sha256(key): names the key without revealing it. */
  keyId: string;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const sealingKeyOf = (key: Buffer): SealingKey => ({ key, keyId: createHash('sha256').update(key).digest('hex').slice(0, 16) });

/**
 * Reads the key in `file` (64 hex characters, mode 0600), creating it on first use. Several
 * processes sharing a data directory may start at once: the first write wins and all use it.
 */
export async function loadOrCreateSealingKey(file: string): Promise<SealingKey> {
  try {
    return parseKey(await fs.readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    await fs.writeFile(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return parseKey(await fs.readFile(file, 'utf8'), file);
}

function parseKey(text: string, file: string): SealingKey {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} must hold 64 hex characters.`);
  return sealingKeyOf(Buffer.from(hex, 'hex'));
}

/**
 * AES-256-GCM with a random 96-bit IV. `context` is authenticated but not stored: opening with
 * any other context fails, so a sealed value cannot be moved to another row (or recipient).
 * Output: version byte, IV, tag, ciphertext, as base64.
 */
export function seal(key: SealingKey, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]).toString('base64');
}

/** Opens what `seal` produced; throws when the key, the context or the bytes differ. */
export function unseal(key: SealingKey, sealed: string, context: string): string {
  const bytes = Buffer.from(sealed, 'base64');
  if (bytes.length < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== VERSION) throw new Error('not a sealed value of a known version');
  const decipher = createDecipheriv('aes-256-gcm', key.key, bytes.subarray(1, 1 + IV_BYTES));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}
