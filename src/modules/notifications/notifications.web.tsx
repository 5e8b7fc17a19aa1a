import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import type { AppEnv } from '../../app/context.ts';
import { authorize } from '../access/access.policies.ts';
import type { Actor } from '../access/actor.ts';
import { Layout } from '../web/layout.tsx';
import { formatDateTime, loginPath, sendPage, safeNextPath } from '../web/web.support.ts';
import { markNotificationsRead, type NotificationRow } from './notifications.repository.ts';
import { listMyNotifications } from './notifications.usecases.ts';

/** Links are stored absolute (they are mailed); in the app they open on this site, whatever host the mail named. */
const localLink = (link: string) => {
  const url = new URL(link, 'http://airlock.invalid');
  return safeNextPath(`${url.pathname}${url.search}`);
};

function NotificationsPage({ actor, notifications }: { actor: Actor; notifications: NotificationRow[] }) {
  const unread = notifications.filter((n) => n.readAt === null).length;
  return (
    <Layout title="Notifications" actor={actor} path="/notifications">
      <h1>Notifications</h1>
      <p class="muted">Everything Airlock mails you is also kept here{unread > 0 ? `; ${unread} unread` : ''}.</p>
      {unread > 0 ? (
        <form method="post" action="/notifications/read">
          <button type="submit">Mark all as read</button>
        </form>
      ) : null}
      {notifications.length === 0 ? <p class="muted">No notifications yet.</p> : (
        <ul class="notifications" data-testid="notifications">
          {notifications.map((n) => (
            <li class={n.readAt === null ? 'unread' : 'read'} data-read={n.readAt === null ? 'false' : 'true'}>
              <p><strong>{n.subject}</strong> <time class="muted" datetime={n.createdAt.toISOString()}>{formatDateTime(n.createdAt)}</time></p>
              <p class="body">{n.body}</p>
              {n.link ? <p><a href={localLink(n.link)}>Open</a></p> : null}
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}

/** `/notifications`: the in-app copy of every message, and marking them read (also `POST /api/me/notifications/read`). */
export function notificationPageRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/notifications', async (c) => {
    const actor = c.get('actor');
    if (actor.kind === 'anonymous') return c.redirect(loginPath('/notifications'), 303);
    return sendPage(c, <NotificationsPage actor={actor} notifications={await listMyNotifications(deps, actor.user.id)} />);
  });
  app.post('/notifications/read', async (c) => {
    const actor = c.get('actor');
    if (actor.kind === 'anonymous') return c.redirect(loginPath('/notifications'), 303);
    if (authorize(actor, { type: 'self.sign' }).allowed) await markNotificationsRead(deps.db, actor.user.id, deps.clock.now());
    return c.redirect('/notifications', 303);
  });
  return app;
}
