import type { AppDeps } from '../../app/deps.ts';
import type { Db } from '../../db/client.ts';
import { notFound } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { actorTokenId, type Actor } from '../access/actor.ts';
import { findPolicy } from '../applications/applications.repository.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import type { Condition } from './conditions.models.ts';
import { insertPlatformCondition, listActivePlatformConditions, listGrantConditions, retirePlatformCondition } from './conditions.repository.ts';
import { platformConditionSchema } from './conditions.schemas.ts';

type UserActor = Actor & { kind: 'user' };

export const listPlatformConditions = (deps: AppDeps) => listActivePlatformConditions(deps.db);

export async function addPlatformCondition(deps: AppDeps, actor: UserActor, input: unknown, audit: AuditContext = {}) {
  const data = parseInput(platformConditionSchema, input);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const row = await insertPlatformCondition(tx, { text: data.text, createdBy: actor.user.id, createdAt: now });
    await recordAuditEvent(tx, { action: 'condition.platform_added', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), ip: audit.ip, details: { conditionId: row.id, text: row.text } });
    return row;
  });
}

/** Retired, not deleted: grantees who were shown a condition can still be told what it said. */
export async function retireCondition(deps: AppDeps, actor: UserActor, id: string, audit: AuditContext = {}) {
  const now = deps.clock.now();
  const valid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
  return deps.db.transaction(async (tx) => {
    const row = valid ? await retirePlatformCondition(tx, id, actor.user.id, now) : undefined;
    if (!row) throw notFound('condition_not_found', 'No active platform condition with this id. List them with GET /api/conditions.');
    await recordAuditEvent(tx, { action: 'condition.platform_retired', actorUserId: actor.user.id, actorTokenId: actorTokenId(actor), ip: audit.ip, details: { conditionId: row.id } });
    return row;
  });
}

/**
 * Every condition that applies to one user on one repository, each with its source: the
 * platform's, the publisher's (from the access policy) and, when a grant is given, the committee's
 * special conditions on that grant.
 */
export async function conditionsFor(db: Db, repoId: string, grantId: string | null): Promise<Condition[]> {
  const [platform, policy, committee] = await Promise.all([listActivePlatformConditions(db), findPolicy(db, repoId), listGrantConditions(db, grantId ? [grantId] : [])]);
  return [
    ...platform.map((c) => ({ source: 'platform' as const, text: c.text })),
    ...(policy?.conditions ?? []).map((text) => ({ source: 'publisher' as const, text })),
    ...committee.map((c) => ({ source: 'committee' as const, text: c.text })),
  ];
}

/** Committee conditions of many grants at once (the "my access" page). */
export async function committeeConditionsOf(db: Db, grantIds: string[]) {
  const rows = await listGrantConditions(db, grantIds);
  const byGrant = new Map<string, string[]>();
  for (const row of rows) byGrant.set(row.grantId, [...(byGrant.get(row.grantId) ?? []), row.text]);
  return byGrant;
}
