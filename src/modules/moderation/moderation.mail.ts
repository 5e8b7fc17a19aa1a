import type { Notice } from '../notifications/notifications.usecases.ts';
import type { RepositoryRow } from '../repos/repos.repository.ts';

/** Messages of the takedown flow, to the publishers of a blocked repository. Plain text. */

type Recipient = { id: string; email: string };
const pagePath = (repo: Pick<RepositoryRow, 'type' | 'namespace' | 'name'>) => `/${repo.type === 'dataset' ? 'datasets/' : ''}${repo.namespace}/${repo.name}`;

export function blockedNotice(baseUrl: string, repo: RepositoryRow, to: Recipient, reason: string): Notice {
  const id = `${repo.namespace}/${repo.name}`;
  return {
    userId: to.id,
    to: to.email,
    subject: `${id} was blocked by the platform moderators`,
    body: [
      `The platform moderators blocked ${id}. While the block lasts no file is served, to anyone; the card, the conditions and the discussion stay readable.`,
      '',
      `Reason: ${reason}`,
      '',
      'You can appeal: write to the moderators in the appeal thread of the repository. Only its publishers and the moderators see it.',
    ].join('\n'),
    link: `${baseUrl}${pagePath(repo)}/appeal`,
  };
}

export function unblockedNotice(baseUrl: string, repo: RepositoryRow, to: Recipient, reason: string | null): Notice {
  const id = `${repo.namespace}/${repo.name}`;
  return {
    userId: to.id,
    to: to.email,
    subject: `${id} was unblocked`,
    body: [`The platform moderators lifted the block on ${id}. Its files are served again under its access level.`, '', `Reason: ${reason ?? 'not given'}`].join('\n'),
    link: `${baseUrl}${pagePath(repo)}`,
  };
}

/** To the moderator who blocked a repository, when its publisher appeals. */
export function appealNotice(baseUrl: string, repo: RepositoryRow, to: Recipient, publisher: string, threadPath: string): Notice {
  const id = `${repo.namespace}/${repo.name}`;
  return {
    userId: to.id,
    to: to.email,
    subject: `Appeal against the block of ${id}`,
    body: `${publisher}, a publisher of ${id}, appealed against the block you set. Read and answer the appeal in its thread.`,
    link: `${baseUrl}${threadPath}`,
  };
}
