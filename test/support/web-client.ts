import type { TestServer } from './test-server.ts';

/**
 * Browser-like requests without a browser: HTML accepted, redirects not followed (tests look at
 * them), forms url-encoded, and the Origin a browser sends with a same-site form.
 */
export interface PageOptions {
  cookie?: string;
  origin?: string;
}

export function getPage(server: TestServer, path: string, options: PageOptions = {}) {
  return fetch(`${server.url}${path}`, { redirect: 'manual', headers: { accept: 'text/html', ...(options.cookie ? { cookie: options.cookie } : {}) } });
}

export function postForm(server: TestServer, path: string, fields: Record<string, string>, options: PageOptions = {}) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
      origin: options.origin ?? server.url,
      ...(options.cookie ? { cookie: options.cookie } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The `name=value` pair of a Set-Cookie header, ready to send back. */
export function sessionCookieOf(response: Response): string | undefined {
  const header = response.headers.getSetCookie().find((h) => h.startsWith('airlock_session='));
  return header?.split(';')[0];
}

/** Signs in through the form and returns the session cookie. */
export async function signIn(server: TestServer, username: string, password: string) {
  const response = await postForm(server, '/login', { username, password });
  const cookie = sessionCookieOf(response);
  if (response.status !== 303 || !cookie) throw new Error(`sign-in of ${username} failed: ${response.status}`);
  return cookie;
}
