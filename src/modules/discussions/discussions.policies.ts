import type { Actor } from '../access/actor.ts';
import { allow, canMutate, deny, hasPlatformRole, type Decision } from '../access/policy-kit.ts';
import type { OrgRole } from '../orgs/orgs.repository.ts';

/**
 * Discussions: who reads, writes and moderates a repository's threads. Called only through
 * `authorize`. Neither gating nor a platform block closes a discussion: only privacy hides it.
 */
export interface DiscussionFacts {
  repoPrivate: boolean;
  /** The actor's role over the repository's namespace, or null. */
  role: OrgRole | null;
}

export type DiscussionAction =
  | { type: 'discussion.read'; facts: DiscussionFacts }
  /** Open a thread or comment; `locked` when the thread is locked. */
  | { type: 'discussion.post'; facts: DiscussionFacts; locked: boolean }
  /** Hide a comment, lock or unlock a thread. */
  | { type: 'discussion.moderate'; facts: DiscussionFacts }
  /** Read appeal threads: the repository's publishers and the moderators. */
  | { type: 'discussion.read-appeal'; facts: DiscussionFacts }
  /** Read a hidden comment's text: the moderators, and the comment's author. */
  | { type: 'discussion.read-hidden'; facts: DiscussionFacts; authorId: string }
  /** Write in appeal threads: the same people, with a session or a write token. */
  | { type: 'discussion.appeal'; facts: DiscussionFacts; locked?: boolean };

const isModerator = (actor: Actor) => hasPlatformRole(actor, 'moderator', 'admin');
const isPublisher = (role: OrgRole | null) => role === 'admin' || role === 'write';

function visible(actor: Actor, facts: DiscussionFacts) {
  if (!facts.repoPrivate) return true;
  return actor.kind === 'user' && (facts.role !== null || isModerator(actor));
}

function writer(actor: Actor): Decision {
  if (actor.kind === 'anonymous') return deny('sign-in-required');
  if (actor.user.blocked) return deny('user-blocked');
  return canMutate(actor) ? allow : deny('insufficient-scope');
}

export function authorizeDiscussion(actor: Actor, action: DiscussionAction): Decision {
  // A private repository's discussions do not exist for outsiders: 404, never 403.
  if (!visible(actor, action.facts)) return deny('not-found');
  switch (action.type) {
    case 'discussion.read':
      return allow;
    case 'discussion.post': {
      const decision = writer(actor);
      if (!decision.allowed) return decision;
      // A locked thread takes no more comments, except from the moderators who locked it.
      return action.locked && !isModerator(actor) ? deny('forbidden') : allow;
    }
    case 'discussion.moderate': {
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      if (!isModerator(actor)) return deny('forbidden');
      return writer(actor);
    }
    case 'discussion.read-hidden':
      return isModerator(actor) || (actor.kind === 'user' && actor.user.id === action.authorId) ? allow : deny('forbidden');
    case 'discussion.read-appeal':
      return isModerator(actor) || isPublisher(action.facts.role) ? allow : deny('not-found');
    case 'discussion.appeal': {
      if (actor.kind === 'anonymous') return deny('sign-in-required');
      // An appeal is between the publisher and the moderators; to anyone else it does not exist.
      if (!isModerator(actor) && !isPublisher(action.facts.role)) return deny('not-found');
      if (action.locked && !isModerator(actor)) return deny('forbidden');
      return writer(actor);
    }
  }
}
