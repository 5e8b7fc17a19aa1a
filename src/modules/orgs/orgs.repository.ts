import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { preparedFor } from '../../db/prepared.ts';
import { namespaces, users } from '../users/users.tables.ts';
import { organizations, orgMembers } from './orgs.tables.ts';

export type OrgRole = (typeof orgMembers.$inferSelect)['role'];

export async function insertOrganization(db: Db, input: { name: string; displayName: string }) {
  await db.insert(namespaces).values({ name: input.name, kind: 'org' });
  const [row] = await db.insert(organizations).values(input).returning();
  return row!;
}

export const findOrganizationByName = async (db: Db, name: string) =>
  (await db.select().from(organizations).where(sql`lower(${organizations.name}) = lower(${name})`).limit(1))[0];

export const upsertMember = (db: Db, input: { orgId: string; userId: string; role: OrgRole }) =>
  db.insert(orgMembers).values(input).onConflictDoUpdate({ target: [orgMembers.orgId, orgMembers.userId], set: { role: input.role } });

export const listOrganizationsOfUser = (db: Db, userId: string) =>
  db.select({ name: organizations.name, displayName: organizations.displayName, role: orgMembers.role })
    .from(orgMembers)
    .innerJoin(organizations, eq(organizations.id, orgMembers.orgId))
    .where(eq(orgMembers.userId, userId))
    .orderBy(organizations.name);

/** The role a user holds over a namespace: `admin` over their own, their membership role over an organisation. */
/** `findRoleInNamespace` for many namespaces in one query; namespaces where the user has no role are absent. */
export async function findRolesInNamespaces(db: Db, userId: string, names: string[]): Promise<Map<string, OrgRole>> {
  if (names.length === 0) return new Map();
  const rows = await db
    .select({ name: namespaces.name, kind: namespaces.kind, username: users.username, role: orgMembers.role })
    .from(namespaces)
    .leftJoin(users, and(eq(users.username, namespaces.name), eq(users.id, userId)))
    .leftJoin(organizations, eq(organizations.name, namespaces.name))
    .leftJoin(orgMembers, and(eq(orgMembers.orgId, organizations.id), eq(orgMembers.userId, userId)))
    .where(inArray(namespaces.name, names));
  const roles = new Map<string, OrgRole>();
  for (const row of rows) {
    const role = row.kind === 'user' ? (row.username ? 'admin' : null) : row.role;
    if (role) roles.set(row.name, role);
  }
  return roles;
}

export async function findRoleInNamespace(db: Db, userId: string, namespace: string): Promise<OrgRole | null> {
  // Prepared: the download gate asks this on every cold decision.
  const [row] = await preparedFor(db, 'find_role_in_namespace', (d, name) => d
    .select({ kind: namespaces.kind, username: users.username, role: orgMembers.role })
    .from(namespaces)
    .leftJoin(users, and(eq(users.username, namespaces.name), eq(users.id, sql.placeholder('userId'))))
    .leftJoin(organizations, eq(organizations.name, namespaces.name))
    .leftJoin(orgMembers, and(eq(orgMembers.orgId, organizations.id), eq(orgMembers.userId, sql.placeholder('userId'))))
    .where(eq(namespaces.name, sql.placeholder('namespace')))
    .limit(1)
    .prepare(name)).execute({ userId, namespace });
  if (!row) return null;
  if (row.kind === 'user') return row.username ? 'admin' : null;
  return row.role ?? null;
}
