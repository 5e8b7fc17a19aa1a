import type { Actor } from '../access/actor.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';
import type { RepoType } from '../repos/repos.tables.ts';
import { Layout } from './layout.tsx';
import { ACCESS_LEVEL_TEXT } from './repository.models.ts';
import { formatDateTime, repoPagePath } from './web.support.ts';

export interface CatalogueQuery {
  q?: string;
  type?: RepoType;
  page: number;
}

export function CataloguePage({ actor, repos, query, hasMore }: { actor: Actor; repos: RepositoryRow[]; query: CatalogueQuery; hasMore: boolean }) {
  const pageLink = (page: number) => {
    const params = new URLSearchParams();
    if (query.q) params.set('q', query.q);
    if (query.type) params.set('type', query.type);
    if (page > 1) params.set('page', String(page));
    const search = params.toString();
    return search ? `/?${search}` : '/';
  };
  return (
    <Layout title="Catalogue" actor={actor} path={pageLink(query.page)}>
      <h1>Catalogue</h1>
      <form method="get" action="/" class="search" role="search">
        <label>
          <span class="visually-hidden">Search by name</span>
          <input type="search" name="q" value={query.q ?? ''} placeholder="Search models and datasets by name" />
        </label>
        <label>
          <span class="visually-hidden">Type</span>
          <select name="type">
            <option value="" selected={!query.type}>Models and datasets</option>
            <option value="model" selected={query.type === 'model'}>Models</option>
            <option value="dataset" selected={query.type === 'dataset'}>Datasets</option>
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      {repos.length === 0 ? (
        <p class="muted">{query.q ? `Nothing matches “${query.q}”.` : 'Nothing has been published yet.'}</p>
      ) : (
        <ul class="repo-list" data-testid="catalogue">
          {repos.map((repo) => (
            <li>
              <a class="repo-name" href={repoPagePath(repo)}>{repo.namespace}/{repo.name}</a>
              <span class="kind">{repo.type}</span>
              <span class={`badge ${repo.accessLevel}`} title={ACCESS_LEVEL_TEXT[repo.accessLevel].explanation}>{ACCESS_LEVEL_TEXT[repo.accessLevel].label}</span>
              {repo.private ? <span class="badge private">Private</span> : null}
              {repo.blockedAt ? <span class="badge blocked">Blocked</span> : null}
              <span class="muted updated">Updated <time datetime={repo.updatedAt.toISOString()}>{formatDateTime(repo.updatedAt)}</time></span>
            </li>
          ))}
        </ul>
      )}
      <nav class="pager">
        {query.page > 1 ? <a href={pageLink(query.page - 1)}>← Previous</a> : null}
        {hasMore ? <a href={pageLink(query.page + 1)}>Next →</a> : null}
      </nav>
    </Layout>
  );
}
