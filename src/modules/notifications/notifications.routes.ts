import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import type { AppEnv } from '../../app/context.ts';
import { AppError } from '../../lib/errors.ts';
import { authorize } from '../access/access.policies.ts';
import type { NotificationRow } from './notifications.repository.ts';
import { listMyNotifications } from './notifications.usecases.ts';
import { markNotificationsRead } from './notifications.repository.ts';
import { parseInput } from '../../lib/validation.ts';
import { z } from 'zod';

const markReadSchema = z.object({ ids: z.array(z.string().uuid('each id must be a notification id')).max(1000).optional() });

const present = (n: NotificationRow) => ({
  id: n.id, subject: n.subject, body: n.body, link: n.link,
  createdAt: n.createdAt.toISOString(), readAt: n.readAt?.toISOString() ?? null, mailed: n.deliveredAt !== null,
});

export function notificationRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/api/me/notifications', async (c) => {
    const actor = c.get('actor');
    if (!authorize(actor, { type: 'self.read' }).allowed || actor.kind !== 'user') throw new AppError('authentication_required', 401, 'Sign in, or pass a token, to read your notifications.');
    return c.json((await listMyNotifications(deps, actor.user.id)).map(present));
  });
  // `{ids: [...]}` marks those read; an empty body marks all.
  app.post('/api/me/notifications/read', async (c) => {
    const actor = c.get('actor');
    if (actor.kind !== 'user') throw new AppError('authentication_required', 401, 'Sign in, or pass a token, to mark your notifications read.');
    if (!authorize(actor, { type: 'self.sign' }).allowed) throw new AppError('insufficient_scope', 403, 'This token is read-only. Use a write token, or the Notifications page.');
    const body = parseInput(markReadSchema, await c.req.json().catch(() => ({})));
    return c.json({ marked: await markNotificationsRead(deps.db, actor.user.id, deps.clock.now(), body.ids) });
  });
  return app;
}
