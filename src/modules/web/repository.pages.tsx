import type { SanitizedHtml } from '../../lib/markdown.ts';
import type { Actor } from '../access/actor.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import type { RepositoryOverview } from '../repos/repos.usecases.ts';
import { Layout } from './layout.tsx';
import { ConditionsPanel } from '../conditions/conditions.pages.tsx';
import { ModerationPanel } from '../moderation/moderation.pages.tsx';
import { ReleaseSchedule, type PageSchedule } from '../stages/stages.pages.tsx';
import type { Condition } from '../conditions/conditions.models.ts';
import { ACCESS_LEVEL_TEXT, cardFacts, type Gate } from './repository.models.ts';
import { downloadPath, formatBytes, formatDateTime, loginPath, repoPagePath } from './web.support.ts';

export interface RepositoryPageProps {
  actor: Actor;
  repo: RepositoryRow;
  overview: RepositoryOverview;
  gate: Gate;
  cardHtml: SanitizedHtml | null;
  baseUrl: string;
  /** The visitor may edit the card (a publisher of the repository). */
  canEdit?: boolean;
  /** The visitor may read the repository's audit records (an admin of its owner, or a platform admin). */
  canReadAudit?: boolean;
  /** Every condition that applies here, shown under its source. */
  conditions?: Condition[];
  /** Takedown controls: moderators block and unblock, a blocked repository's publishers appeal. */
  moderation?: { canModerate: boolean; canAppeal: boolean };
  /** The release schedule, and which files the visitor may download under it. */
  schedule?: PageSchedule;
}

export function RepositoryPage({ actor, repo, overview, gate, cardHtml, baseUrl, canEdit = false, canReadAudit = false, conditions = [], moderation, schedule }: RepositoryPageProps) {
  const id = `${repo.namespace}/${repo.name}`;
  const path = repoPagePath(repo);
  return (
    <Layout title={id} actor={actor} path={path}>
      <header class="repo-header">
        <p class="kind">{repo.type === 'dataset' ? 'Dataset' : 'Model'}</p>
        <h1>{id}</h1>
        <p class="badges">
          <span class={`badge ${repo.accessLevel}`}>{ACCESS_LEVEL_TEXT[repo.accessLevel].label}</span>
          {repo.private ? <span class="badge private">Private</span> : null}
          {repo.blockedAt ? <span class="badge blocked">Blocked</span> : null}
          <span class="muted">Updated <time datetime={repo.updatedAt.toISOString()}>{formatDateTime(repo.updatedAt)}</time></span>
        </p>
        <p class="repo-links" data-testid="repo-links">
          <a href={`${path}/card/history`}>Card history</a>
          {canEdit ? <a href={`${path}/card/edit`}>Edit card</a> : null}
          {canEdit ? <a href={`${path}/settings/access`}>Access settings</a> : null}
          {canEdit ? <a href={`${path}/settings/stages`}>Release schedule</a> : null}
          <a href={`${path}/assessment`}>Risk–benefit assessment</a>
          <a href={`${path}/transparency`}>Transparency</a>
          <a href={`${path}/discussions`}>Discussions</a>
          <a href={`${path}/report`}>Report misuse</a>
          {canReadAudit ? <a href={`${path}/audit`}>Audit log</a> : null}
        </p>
      </header>
      <div class="repo-layout">
        <article class="card markdown" data-testid="model-card">
          {cardHtml !== null ? <div dangerouslySetInnerHTML={{ __html: cardHtml }} /> : <p class="muted">This repository has no card (README.md) yet.</p>}
        </article>
        <aside>
          <AccessPanel repo={repo} gate={gate} blockedBy={overview.blockedBy} path={path} />
          {moderation ? <ModerationPanel repo={repo} path={path} canModerate={moderation.canModerate} canAppeal={moderation.canAppeal} /> : null}
          <ConditionsPanel conditions={conditions} />
          {schedule ? <ReleaseSchedule schedule={schedule} /> : null}
          <CardFacts metadata={overview.cardMetadata} />
          {gate.kind === 'download' ? <ClientHint repo={repo} baseUrl={baseUrl} /> : null}
        </aside>
      </div>
      <FilesTable repo={repo} overview={overview} downloadable={schedule ? schedule.canDownload : () => gate.kind === 'download'} />
    </Layout>
  );
}

function AccessPanel({ repo, gate, blockedBy, path }: { repo: RepositoryRow; gate: Gate; blockedBy: string | null; path: string }) {
  const level = ACCESS_LEVEL_TEXT[repo.accessLevel];
  return (
    <section class="card access" data-testid="access-panel" data-gate={gate.kind}>
      <h2>Access: {level.label}</h2>
      <p>{level.explanation}</p>
      <GateAction repo={repo} gate={gate} blockedBy={blockedBy} path={path} />
    </section>
  );
}

function GateAction({ repo, gate, blockedBy, path }: { repo: RepositoryRow; gate: Gate; blockedBy: string | null; path: string }) {
  switch (gate.kind) {
    case 'download':
      return <p class="ok">{gate.because === 'open' ? 'You can download the files below.' : gate.because === 'member' ? `You are a member of ${repo.namespace}, so you can download the files below.` : 'You have access: you can download the files below.'}</p>;
    case 'sign-in':
      return <p><a class="button" href={loginPath(path)}>Sign in to request access</a></p>;
    case 'accept-conditions':
      return (
        <form method="post" action={`${path}/request-access`}>
          <p>Read the conditions in the card. Accepting them is recorded with your account, and access is granted at once.</p>
          <button type="submit">Accept the conditions and get access</button>
          <p><a href={`${path}/apply`}>Apply with the full form and agreement →</a></p>
        </form>
      );
    case 'request-review':
      return (
        <form method="post" action={`${path}/request-access`}>
          <p>Your request goes to the publisher, who decides. You will be able to download once it is approved.</p>
          <button type="submit">Request access</button>
          <p><a href={`${path}/apply`}>Apply with the full form and agreement →</a></p>
        </form>
      );
    case 'lapsed':
      return gate.lapsed.kind === 'revoked' ? (
        <div class="notice error" data-testid="revoked">
          <p>Your access was revoked on {formatDateTime(gate.lapsed.at)}. Reason: {gate.lapsed.reason ?? 'not given'}</p>
          {gate.lapsed.barred ? <p>You may not apply again.</p> : <p><a href={`${path}/apply`}>Apply again</a></p>}
        </div>
      ) : (
        <p class="notice pending">Your grant ended on {formatDateTime(gate.lapsed.at)}. <a class="button" href={`${path}/apply?renew=1`}>Renew</a></p>
      );
    case 'pending':
      return <p class="notice pending">Your request is awaiting review by the publisher. Once it is approved, the download links appear on this page.</p>;
    case 'requirement': {
      const unmet = gate.requirement;
      if (unmet.kind === 'agreement') {
        return <p class="notice pending" data-testid="agreement-unsigned">The agreement "{unmet.title}" changed: version {unmet.version} must be signed before you download again. <a class="button" href={`${path}/agreement`}>Read and sign version {unmet.version}</a></p>;
      }
      if (unmet.kind === 'training') {
        return (
          <p class="notice pending" data-testid="training-required">
            Your access requires the training "{unmet.title}", and {unmet.expiredAt ? `your certificate for it expired on ${formatDateTime(unmet.expiredAt)}` : 'you have not completed it'}. <a href={`/trainings/${unmet.slug}`}>Take it</a> (or upload an accepted certificate), then download again.
          </p>
        );
      }
      return <p class="notice pending">Your access requires credentialed researcher status, which you {unmet.revokedAt ? `held until it was revoked on ${formatDateTime(unmet.revokedAt)}` : 'do not hold'}. <a href="/settings/credential">Apply for credentials</a>.</p>;
    }
    case 'blocked':
      return (
        <div class="notice error">
          <p><strong>Blocked by the platform moderators.</strong> Files are not served while the block lasts; the card stays readable.</p>
          <p>Blocked by {blockedBy ?? 'a moderator'} on {repo.blockedAt ? formatDateTime(repo.blockedAt) : 'an unknown date'}.</p>
          <p>Reason: {repo.blockedReason ?? 'not given'}</p>
          <p><a href={`${path}/discussions`}>The discussion stays open →</a></p>
        </div>
      );
    case 'no-download':
      return <p>The card and the list of files stay readable; no download link is offered, to anyone.</p>;
    case 'account-blocked':
      return <p class="notice error">Your account is blocked, so it cannot download files. Contact the platform administrators.</p>;
    case 'unavailable':
      return <p>The files are not available to you.</p>;
  }
}

function CardFacts({ metadata }: { metadata: Record<string, unknown> }) {
  const facts = cardFacts(metadata);
  if (facts.length === 0) return null;
  return (
    <section class="card facts">
      <h2>About</h2>
      <dl>
        {facts.map((f) => (
          <>
            <dt>{f.label}</dt>
            <dd>{f.values.map((v) => <span class="tag">{v}</span>)}</dd>
          </>
        ))}
      </dl>
    </section>
  );
}

function ClientHint({ repo, baseUrl }: { repo: RepositoryRow; baseUrl: string }) {
  const flag = repo.type === 'dataset' ? ' --repo-type dataset' : '';
  return (
    <section class="card">
      <h2>Use with the Hugging Face clients</h2>
      <pre><code>{`export HF_ENDPOINT=${baseUrl}\nhuggingface-cli download ${repo.namespace}/${repo.name}${flag}`}</code></pre>
    </section>
  );
}

/** A page with 100,000 rows helps nobody; clients list the whole tree through the API. */
const MAX_FILE_ROWS = 1000;

function FilesTable({ repo, overview, downloadable }: { repo: RepositoryRow; overview: RepositoryOverview; downloadable: (path: string) => boolean }) {
  const { revision, files } = overview;
  const shown = files.slice(0, MAX_FILE_ROWS);
  return (
    <section class="files">
      <h2>Files</h2>
      <p class="muted">
        Branch <code>main</code> at commit <code title={revision.id}>{revision.id.slice(0, 12)}</code>: {revision.message} ·{' '}
        {files.length} file{files.length === 1 ? '' : 's'}, {formatBytes(revision.totalSize)} ·{' '}
        <a href={`/api/${repo.type === 'dataset' ? 'datasets' : 'models'}/${repo.namespace}/${repo.name}/manifest/${revision.id}`} download={`${repo.name}-${revision.id.slice(0, 12)}.manifest.json`} data-testid="manifest-link">signed manifest</a>
        {' '}(check a copy with <code>airlock verify DIR --manifest FILE</code>)
      </p>
      {files.length === 0 ? <p class="muted">No files yet.</p> : (
        <table data-testid="files">
          <thead><tr><th>Path</th><th class="num">Size</th><th>SHA-256</th></tr></thead>
          <tbody>
            {shown.map((f) => (
              <tr>
                <td>{downloadable(f.path) ? <a href={downloadPath(repo, f.path)} download>{f.path}</a> : f.path}</td>
                <td class="num">{formatBytes(f.size)}</td>
                <td class="sha">{f.blobSha256}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {files.length > shown.length ? (
        <p class="muted">
          {files.length - shown.length} more files are not listed here. List them all with{' '}
          <code>{`GET /api/${repo.type === 'dataset' ? 'datasets' : 'models'}/${repo.namespace}/${repo.name}/tree/main?recursive=true`}</code>.
        </p>
      ) : null}
    </section>
  );
}
