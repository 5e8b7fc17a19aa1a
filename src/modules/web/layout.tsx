import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { authorize } from '../access/access.policies.ts';
import type { Actor } from '../access/actor.ts';

export interface PageProps {
  title: string;
  actor: Actor;
  /** The page's own path: "Sign in" comes back here afterwards. */
  path?: string;
  children?: Child;
}

/** The page frame. No inline scripts or styles: the CSP forbids them. */
export function Layout({ title, actor, path, children }: PageProps) {
  const signInHref = path && path !== '/' && !path.startsWith('/login') && !path.startsWith('/signup') ? `/login?next=${encodeURIComponent(path)}` : '/login';
  // JSX cannot spell a doctype; without one browsers render in quirks mode.
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${title} · Airlock`}</title>
          <link rel="stylesheet" href="/static/airlock.css" />
          <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        </head>
        <body>
          <header class="site-header">
            <a class="brand" href="/">Airlock</a>
            <nav>
              <a href="/">Catalogue</a>
              {actor.kind === 'user' ? (
                <>
                  <a href="/settings/credential">Credentials</a>
                  <a href="/trainings">Trainings</a>
                  <a href="/settings/access">My access</a>
                  <a href="/notifications">Notifications</a>
                  <a href="/review">Review</a>
                  {authorize(actor, { type: 'condition.manage-platform' }).allowed ? <a href="/admin/conditions">Conditions</a> : null}
                  {authorize(actor, { type: 'credential.queue' }).allowed ? <a href="/staff/credentials">Credentialing</a> : null}
                  {authorize(actor, { type: 'assessment.queue' }).allowed ? <a href="/staff/assessments">Release reviews</a> : null}
                  {authorize(actor, { type: 'training.check-queue' }).allowed ? <a href="/staff/certificates">Certificate checks</a> : null}
                  {authorize(actor, { type: 'misuse.inspect' }).allowed ? <a href="/moderation/reports">Misuse reports</a> : null}
                  {authorize(actor, { type: 'audit.search' }).allowed ? <a href="/admin/audit">Audit log</a> : null}
                  <a href="/settings/tokens">Tokens</a>
                  <span class="who" data-testid="signed-in-as">{actor.user.username}</span>
                  <form method="post" action="/logout" class="inline">
                    <button type="submit" class="link">Sign out</button>
                  </form>
                </>
              ) : (
                <>
                  <a href={signInHref}>Sign in</a>
                  <a href="/signup">Sign up</a>
                </>
              )}
            </nav>
          </header>
          <main>{children}</main>
        </body>
      </html>
    </>
  );
}
