import type { AppDeps } from '../../app/deps.ts';
import { rotateSigningKey } from '../../app/keys.ts';
import { recordAuditEvent } from '../../modules/audit/audit.repository.ts';
import { writeCheckpoint } from '../../modules/audit/audit.usecases.ts';

/**
 * `airlock admin rotate-key`: retires the server's signing key and starts a new one. Runs in the
 * server when it holds the embedded database (through the admin socket), so the server signs with
 * the new key at once; run directly (PostgreSQL), the server notices the new key file within seconds.
 */
export async function runRotateKey(deps: AppDeps, out: (line: string) => void): Promise<number> {
  // Sign the chain head with the old key first, so everything before the rotation is covered by it.
  await writeCheckpoint(deps.db, deps.signingKey, deps.clock);
  const { retiredKeyId, activeKeyId } = await rotateSigningKey(deps.config.dataDir, deps.signingKey);
  await recordAuditEvent(deps.db, { action: 'key.rotated', details: { retiredKeyId, activeKeyId } });
  // And at once with the new one, so the rotation itself is under a signature.
  await writeCheckpoint(deps.db, deps.signingKey, deps.clock);
  out(`Rotated the signing key: ${activeKeyId} is active; ${retiredKeyId} is retired (its public key stays in /.well-known/airlock/keys.json, so what it signed still verifies). Back up ${deps.config.dataDir}/keys/signing-key.pem.`);
  return 0;
}
