import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readOrCreateKeyFile } from './key-file.ts';

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
export const loadOrCreateSealingKey = async (file: string): Promise<SealingKey> => sealingKeyOf(await readOrCreateKeyFile(file));

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
