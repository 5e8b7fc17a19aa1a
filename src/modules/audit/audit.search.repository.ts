import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { repositories } from '../repos/repos.tables.ts';
import { users } from '../users/users.tables.ts';
import { auditEvents } from './audit.tables.ts';

export interface AuditQuery {
  actorUserId?: string;
  repoId?: string;
  /** Exact action, or a family when it ends in "." */
  action?: string;
  from?: Date;
  to?: Date;
  /** Keyset pagination: records with a smaller number than this. */
  beforeSeq?: number;
  limit: number;
}

/**
 * A page of the log, newest first, with who and which repository. Keyset pagination on the
 * sequence keeps every page an index range scan however deep one pages.
 */
export function searchAuditEvents(db: Db, q: AuditQuery) {
  const where: (SQL | undefined)[] = [
    q.actorUserId ? eq(auditEvents.actorUserId, q.actorUserId) : undefined,
    q.repoId ? eq(auditEvents.repoId, q.repoId) : undefined,
    // A family is a range on the (action, seq) index: "grant." ≤ action < "grant/" ('/' follows '.').
    q.action?.endsWith('.') ? and(gte(auditEvents.action, q.action), lt(auditEvents.action, `${q.action.slice(0, -1)}/`)) : q.action ? eq(auditEvents.action, q.action) : undefined,
    q.from ? gte(auditEvents.at, q.from) : undefined,
    q.to ? lte(auditEvents.at, q.to) : undefined,
    q.beforeSeq !== undefined ? lt(auditEvents.seq, q.beforeSeq) : undefined,
  ];
  return db
    .select({ event: auditEvents, username: users.username, repoType: repositories.type, repoNamespace: repositories.namespace, repoName: repositories.name })
    .from(auditEvents)
    .leftJoin(users, eq(users.id, auditEvents.actorUserId))
    .leftJoin(repositories, eq(repositories.id, auditEvents.repoId))
    .where(and(...where))
    .orderBy(desc(auditEvents.seq))
    .limit(q.limit);
}
