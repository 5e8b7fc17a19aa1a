import type { Db } from '../../db/client.ts';
import { listValidExternalVisas } from './passports.repository.ts';

/**
 * A valid `ResearcherStatus` visa from a still-trusted broker, which satisfies the credentialed
 * requirement like an Airlock credential. Kept apart from the use cases so the credential check
 * can import it without a cycle.
 */
export async function externalResearcherStatus(db: Db, userId: string, now: Date) {
  const [row] = await listValidExternalVisas(db, userId, 'ResearcherStatus', now);
  return row ? { iss: row.broker.iss, source: row.visa.source, expiresAt: row.visa.expiresAt } : null;
}
