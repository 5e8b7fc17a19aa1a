import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppEnv } from '../../app/context.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import { findRoleInNamespace, findOrganizationByName } from './orgs.repository.ts';
import { createOrganization, setOrganizationMember } from './orgs.usecases.ts';

export const memberSchema = z.object({ role: z.enum(['admin', 'write', 'read']) });

export function orgRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.post('/api/orgs', async (c) => {
    const actor = c.get('actor');
    const decision = authorize(actor, { type: 'org.create' });
    if (!decision.allowed || actor.kind === 'anonymous') {
      if (!decision.allowed && decision.reason === 'sign-in-required') throw new AppError('authentication_required', 401, 'Sign in to create an organisation.');
      throw new AppError('forbidden', 403, 'Creating an organisation needs an unblocked account and a session or a write token.');
    }
    const org = await createOrganization(deps.db, await c.req.json(), actor.user.id, auditContextOf(c));
    return c.json({ name: org.name, displayName: org.displayName }, 201);
  });
  app.put('/api/orgs/:org/members/:username', async (c) => {
    const body = parseInput(memberSchema, await c.req.json());
    const actor = c.get('actor');
    const org = await findOrganizationByName(deps.db, c.req.param('org'));
    if (!org) throw notFound('org_not_found', `No organisation named "${c.req.param('org')}".`);
    const role = actor.kind === 'user' ? await findRoleInNamespace(deps.db, actor.user.id, org.name) : null;
    const decision = authorize(actor, { type: 'org.manage-members', role });
    if (!decision.allowed) throw new AppError(decision.reason === 'sign-in-required' ? 'authentication_required' : 'forbidden', decision.reason === 'sign-in-required' ? 401 : 403, 'Only admins of the organisation can change its members.');
    await setOrganizationMember(deps.db, org.name, c.req.param('username'), body.role, actor.kind === 'user' ? actor.user.id : null, auditContextOf(c));
    return c.json({ org: org.name, user: c.req.param('username'), role: body.role });
  });
  return app;
}
