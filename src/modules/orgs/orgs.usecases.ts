import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { conflict, notFound } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { usernameSchema } from '../users/users.schemas.ts';
import { findUserByUsername, isNamespaceTaken } from '../users/users.repository.ts';
import { findOrganizationByName, insertOrganization, upsertMember, type OrgRole } from './orgs.repository.ts';

export const createOrgSchema = z.object({ name: usernameSchema, displayName: z.string().trim().max(200).optional() });

export async function createOrganization(db: Db, input: { name: string; displayName?: string }, ownerUserId: string, audit: AuditContext = {}) {
  const data = parseInput(createOrgSchema, input);
  return db.transaction(async (tx) => {
    if (await isNamespaceTaken(tx, data.name)) throw conflict('name_taken', `The name "${data.name}" is taken by a user or organisation. Choose another.`, 'name');
    const org = await insertOrganization(tx, { name: data.name, displayName: data.displayName || data.name });
    await upsertMember(tx, { orgId: org.id, userId: ownerUserId, role: 'admin' });
    await recordAuditEvent(tx, { action: 'org.created', actorUserId: ownerUserId, ip: audit.ip, details: { org: org.name } });
    return org;
  });
}

export async function setOrganizationMember(db: Db, orgName: string, username: string, role: OrgRole, actorUserId: string | null, audit: AuditContext = {}) {
  return db.transaction(async (tx) => {
    const org = await findOrganizationByName(tx, orgName);
    if (!org) throw notFound('org_not_found', `No organisation named "${orgName}".`);
    const user = await findUserByUsername(tx, username);
    if (!user) throw notFound('user_not_found', `No user named "${username}".`, { field: 'username' });
    await upsertMember(tx, { orgId: org.id, userId: user.id, role });
    await recordAuditEvent(tx, { action: 'org.member_set', actorUserId, ip: audit.ip, details: { org: org.name, user: user.username, role } });
  });
}
