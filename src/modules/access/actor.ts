import type { PlatformRole } from '../users/users.schemas.ts';

export interface ActorUser {
  id: string;
  username: string;
  email: string;
  displayName: string;
  platformRoles: PlatformRole[];
  blocked: boolean;
}

/** Who is making a request, and through what credential. */
export type Actor =
  | { kind: 'anonymous' }
  | { kind: 'user'; user: ActorUser; via: 'session' }
  | { kind: 'user'; user: ActorUser; via: 'token'; token: { id: string; name: string; scope: 'read' | 'write'; createdAt: Date } };

export const ANONYMOUS: Actor = { kind: 'anonymous' };

export const actorUserId = (actor: Actor) => (actor.kind === 'user' ? actor.user.id : null);
export const actorTokenId = (actor: Actor) => (actor.kind === 'user' && actor.via === 'token' ? actor.token.id : null);

export function toActorUser(row: { id: string; username: string; email: string; displayName: string; platformRoles: string[]; blockedAt: Date | null }): ActorUser {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    displayName: row.displayName,
    platformRoles: row.platformRoles as PlatformRole[],
    blocked: row.blockedAt !== null,
  };
}
