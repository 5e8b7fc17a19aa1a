import type { Db } from '../../db/client.ts';
import { AppError, badRequest, notFound } from '../../lib/errors.ts';
import { randomBase62, sha256Hex } from '../../lib/crypto.ts';
import { parseInput } from '../../lib/validation.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { findActiveTokenByHash, findTokenById, insertToken, listTokensOfUser, markTokenRevoked, touchToken, type TokenRow } from './tokens.repository.ts';
import { createTokenSchema, type CreateTokenInput } from './tokens.schemas.ts';
import { EpochCache } from '../access/access-epoch.ts';

/** `hf_` because @huggingface/hub refuses any other prefix; 43 base62 characters ≈ 256 random bits. */
export const TOKEN_PREFIX = 'hf_';
const TOKEN_RANDOM_LENGTH = 43;

export const hashToken = (token: string) => sha256Hex(token);

/** Creates a token and returns its value once; only the sha256 is stored (the value has 256 bits of entropy, so no slow hash is needed). */
export async function createToken(db: Db, userId: string, input: CreateTokenInput, audit: AuditContext = {}, now = new Date()) {
  const data = parseInput(createTokenSchema, input);
  if (data.expiresAt && data.expiresAt <= now) throw badRequest('invalid_input', 'expiresAt: must be in the future.', 'expiresAt');
  const value = `${TOKEN_PREFIX}${randomBase62(TOKEN_RANDOM_LENGTH)}`;
  return db.transaction(async (tx) => {
    const token = await insertToken(tx, {
      userId,
      name: data.name,
      scope: data.scope,
      tokenHash: hashToken(value),
      displayPrefix: value.slice(0, TOKEN_PREFIX.length + 4),
      expiresAt: data.expiresAt ?? null,
    });
    await recordAuditEvent(tx, { action: 'token.created', actorUserId: userId, actorTokenId: token.id, ip: audit.ip, details: { name: token.name, scope: token.scope } });
    return { token, value };
  });
}

export const invalidTokenError = () => new AppError('invalid_token', 401, 'Invalid credentials in Authorization header');

const lastTouched = new Map<string, number>();
const TOUCH_INTERVAL_MS = 60_000;

type FoundToken = NonNullable<Awaited<ReturnType<typeof findActiveTokenByHash>>>;
const tokenCaches = new WeakMap<Db, EpochCache<FoundToken | null>>();

/**
 * Looks a token up by its hash, through a cache when the caller read the access epoch: tokens,
 * and the users they belong to, change only by writes that raise it (revocation, a block).
 */
function findToken(db: Db, tokenHash: string, epoch: number | undefined) {
  if (epoch === undefined) return findActiveTokenByHash(db, tokenHash);
  let cache = tokenCaches.get(db);
  if (!cache) tokenCaches.set(db, (cache = new EpochCache(10_000)));
  return cache.through(tokenHash, epoch, 0, async () => ({ value: (await findActiveTokenByHash(db, tokenHash)) ?? null })).then((found) => found ?? undefined);
}

/** Resolves a presented token. Unknown, revoked and expired tokens are all "invalid credentials". */
export async function resolveToken(db: Db, value: string, now = new Date(), audit: AuditContext = {}, epoch?: number) {
  if (!value.startsWith(TOKEN_PREFIX) || value.length > 200) throw invalidTokenError();
  // Expiry is checked here on every request, so a cached token still stops at its expiry.
  const found = await findToken(db, hashToken(value), epoch);
  if (!found || (found.token.expiresAt && found.token.expiresAt <= now)) throw invalidTokenError();
  // Recording last use on every request would put a write on the download hot path; once a minute is enough.
  // The audit's `token.used` follows the same rhythm (what each request did is recorded by its own event).
  const previous = lastTouched.get(found.token.id) ?? 0;
  if (now.getTime() - previous > TOUCH_INTERVAL_MS) {
    lastTouched.set(found.token.id, now.getTime());
    await db.transaction(async (tx) => {
      await touchToken(tx, found.token.id, now);
      await recordAuditEvent(tx, { action: 'token.used', actorUserId: found.user.id, actorTokenId: found.token.id, ip: audit.ip, details: { name: found.token.name, scope: found.token.scope } });
    });
  }
  return found;
}

export const listTokens = (db: Db, userId: string) => listTokensOfUser(db, userId);

export async function loadToken(db: Db, tokenId: string): Promise<TokenRow> {
  const token = /^[0-9a-f-]{36}$/.test(tokenId) ? await findTokenById(db, tokenId) : undefined;
  if (!token || token.revokedAt) throw notFound('token_not_found', 'No such token. List your tokens to find its id.');
  return token;
}

export async function revokeToken(db: Db, token: TokenRow, actorUserId: string, audit: AuditContext = {}, now = new Date()) {
  await db.transaction(async (tx) => {
    await markTokenRevoked(tx, token.id, now);
    await recordAuditEvent(tx, { action: 'token.revoked', actorUserId, actorTokenId: token.id, ip: audit.ip, details: { name: token.name } });
  });
}
