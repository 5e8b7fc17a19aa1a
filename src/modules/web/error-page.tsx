import type { Context } from 'hono';
import type { AppError } from '../../lib/errors.ts';
import { ANONYMOUS, type Actor } from '../access/actor.ts';
import { Layout } from './layout.tsx';

export function renderErrorPage(error: AppError, c: Context) {
  const actor = (c.get('actor') as Actor | undefined) ?? ANONYMOUS;
  const title = error.status === 404 ? 'Not found' : error.status === 401 ? 'Sign in needed' : error.status === 403 ? 'Not allowed' : error.status >= 500 ? 'Server error' : 'Request not accepted';
  return (
    <Layout title={title} actor={actor}>
      <section class="error">
        <h1>{title}</h1>
        <p>{error.message}</p>
        <p class="muted">
          Error code <code>{error.code}</code>
          {error.field ? <> · field <code>{error.field}</code></> : null}
        </p>
        {error.status === 401 ? <p><a href="/login">Sign in</a></p> : <p><a href="/">Back to the catalogue</a></p>}
      </section>
    </Layout>
  );
}
