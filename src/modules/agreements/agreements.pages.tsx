import type { SanitizedHtml } from '../../lib/markdown.ts';
import type { Actor } from '../access/actor.ts';
import { Field, FormError, type FormState } from '../web/form.tsx';
import { Layout } from '../web/layout.tsx';
import { formatDateTime, loginPath, repoPagePath } from '../web/web.support.ts';

/** A repository's agreement in the browser: its current text, and the form that signs it. */

type RepoRef = { type: 'model' | 'dataset'; namespace: string; name: string };

export interface AgreementPageView {
  title: string;
  version: number;
  textSha256: string;
  html: SanitizedHtml;
  publishedAt: Date;
  /** The visitor's signature of this version, if any (null for anonymous visitors too). */
  signedAt: Date | null;
}

export function AgreementPage({ actor, repo, agreement, state }: { actor: Actor; repo: RepoRef; agreement: AgreementPageView; state: FormState }) {
  const path = `${repoPagePath(repo)}/agreement`;
  const id = `${repo.namespace}/${repo.name}`;
  return (
    <Layout title={`Agreement of ${id}`} actor={actor} path={path}>
      <h1>“{agreement.title}”, version {agreement.version}</h1>
      <p class="muted">The agreement of <a href={repoPagePath(repo)}>{id}</a>, published {formatDateTime(agreement.publishedAt)}. Text sha256 <code>{agreement.textSha256}</code>.</p>
      <article class="card markdown agreement-text" data-testid="agreement-text" dangerouslySetInnerHTML={{ __html: agreement.html }} />
      <SignSection actor={actor} path={path} agreement={agreement} state={state} />
    </Layout>
  );
}

function SignSection({ actor, path, agreement, state }: { actor: Actor; path: string; agreement: AgreementPageView; state: FormState }) {
  if (actor.kind === 'anonymous') return <p><a class="button" href={loginPath(path)}>Sign in to sign this agreement</a></p>;
  if (agreement.signedAt) {
    return <p class="notice ok" data-testid="signed">You signed version {agreement.version} on {formatDateTime(agreement.signedAt)}. See everything you signed under <a href="/settings/signatures">My signatures</a>.</p>;
  }
  return (
    <section class="card" data-testid="sign-agreement">
      <h2>Sign version {agreement.version}</h2>
      <p>Your signature records this exact text (its sha256 above), the full name you type, the time and your address. It is never deleted.</p>
      <FormError state={state} fields={['signedName']} />
      <form method="post" action={path} class="stack" novalidate>
        <input type="hidden" name="version" value={String(agreement.version)} />
        <input type="hidden" name="textSha256" value={agreement.textSha256} />
        <Field label="Type your full name to sign" name="signedName" state={state} autocomplete="name" hint="Your name as on your account, not a tick box." />
        <button type="submit">Sign version {agreement.version}</button>
      </form>
    </section>
  );
}
