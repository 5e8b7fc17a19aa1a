import type { Actor } from '../access/actor.ts';
import { Field, FormError, type FormState } from './form.tsx';
import { Layout } from './layout.tsx';

export function SignUpPage({ actor, state, next }: { actor: Actor; state: FormState; next: string }) {
  return (
    <Layout title="Sign up" actor={actor}>
      <section class="auth">
        <h1>Create an account</h1>
        <FormError state={state} fields={['username', 'email', 'displayName', 'password']} />
        <form method="post" action="/signup" class="stack" novalidate>
          <input type="hidden" name="next" value={next} />
          <Field label="Username" name="username" state={state} autocomplete="username" required hint="2–42 letters, digits, “-”, “_” or “.”. It becomes your namespace." />
          <Field label="Email" name="email" type="email" state={state} autocomplete="email" required />
          <Field label="Full name (optional)" name="displayName" state={state} autocomplete="name" />
          <Field label="Password" name="password" type="password" state={state} autocomplete="new-password" required hint="At least 10 characters." />
          <button type="submit">Create account</button>
        </form>
        <p class="muted">Already have an account? <a href={`/login?next=${encodeURIComponent(next)}`}>Sign in</a>.</p>
      </section>
    </Layout>
  );
}

export function SignInPage({ actor, state, next, providers = [] }: { actor: Actor; state: FormState; next: string; providers?: { id: string; name: string }[] }) {
  return (
    <Layout title="Sign in" actor={actor}>
      <section class="auth">
        <h1>Sign in</h1>
        <FormError state={state} fields={['username', 'password']} />
        <form method="post" action="/login" class="stack" novalidate>
          <input type="hidden" name="next" value={next} />
          <Field label="Username or email" name="username" state={state} autocomplete="username" required />
          <Field label="Password" name="password" type="password" state={state} autocomplete="current-password" required />
          <button type="submit">Sign in</button>
        </form>
        {providers.length ? (
          <p>Or sign in with {providers.map((p, i) => <>{i ? ', ' : ''}<a href={`/login/oidc/${p.id}?next=${encodeURIComponent(next)}`}>{p.name}</a></>)}.</p>
        ) : null}
        <p class="muted">New here? <a href={`/signup?next=${encodeURIComponent(next)}`}>Create an account</a>.</p>
      </section>
    </Layout>
  );
}
