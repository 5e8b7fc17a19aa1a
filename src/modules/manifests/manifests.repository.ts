import { eq, inArray } from 'drizzle-orm';
import { inBatches } from '../../db/batches.ts';
import type { Db } from '../../db/client.ts';
import { blobs } from '../blobs/blobs.tables.ts';

export const findBlobMd5s = (db: Db, sha256s: string[]) =>
  inBatches(sha256s, (batch) => db.select({ sha256: blobs.sha256, md5: blobs.md5 }).from(blobs).where(inArray(blobs.sha256, batch)));

export const saveBlobMd5 = (db: Db, sha256: string, md5: string) => db.update(blobs).set({ md5 }).where(eq(blobs.sha256, sha256));
