import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { AppError, conflict } from '../../lib/errors.ts';
import { DUMMY_PASSWORD_HASH, hashPassword, sha256Hex, verifyPassword } from '../../lib/crypto.ts';
import { parseInput } from '../../lib/validation.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { deleteSession, findUserByEmail, findUserBySession, findUserByUsername, insertSession, insertUser, isNamespaceTaken, type UserRow } from './users.repository.ts';
import { registerSchema, signInSchema, type PlatformRole, type RegisterInput } from './users.schemas.ts';

export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;

export async function registerUser(db: Db, input: RegisterInput, options: { platformRoles?: PlatformRole[]; audit?: AuditContext } = {}): Promise<UserRow> {
  const data = parseInput(registerSchema, input);
  const passwordHash = await hashPassword(data.password);
  return db.transaction(async (tx) => {
    if (await isNamespaceTaken(tx, data.username)) throw conflict('username_taken', `The name "${data.username}" is taken. Choose another username.`, 'username');
    if (await findUserByEmail(tx, data.email)) throw conflict('email_taken', 'An account with this email exists. Sign in instead, or use another email.', 'email');
    const user = await insertUser(tx, {
      username: data.username,
      email: data.email,
      displayName: data.displayName || data.username,
      passwordHash,
      platformRoles: options.platformRoles ?? [],
    });
    await recordAuditEvent(tx, { action: 'user.registered', actorUserId: user.id, ip: options.audit?.ip, details: { username: user.username, platformRoles: user.platformRoles } });
    return user;
  });
}

const invalidSignIn = () => new AppError('invalid_credentials', 401, 'The username or password is wrong. Check them and try again.', { field: 'password' });

/** Checks a username (or email) and password. Unknown users cost the same scrypt as known ones. */
export async function authenticateWithPassword(db: Db, input: unknown, audit: AuditContext = {}): Promise<UserRow> {
  const data = parseInput(signInSchema, input);
  const user = data.username.includes('@') ? await findUserByEmail(db, data.username) : await findUserByUsername(db, data.username);
  const ok = await verifyPassword(data.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !user.passwordHash || !ok) {
    await recordAuditEvent(db, { action: 'user.sign_in_failed', actorUserId: user?.id ?? null, ip: audit.ip, details: { username: data.username.slice(0, 100) } });
    throw invalidSignIn();
  }
  if (user.blockedAt) {
    await recordAuditEvent(db, { action: 'user.sign_in_failed', actorUserId: user.id, ip: audit.ip, details: { username: data.username.slice(0, 100), reason: 'blocked' } });
    throw new AppError('user_blocked', 403, 'This account is blocked. Contact the platform administrators.');
  }
  await recordAuditEvent(db, { action: 'user.signed_in', actorUserId: user.id, ip: audit.ip, details: {} });
  return user;
}

/** Creates a browser session and returns the cookie value; only its hash is stored. */
export async function createSession(db: Db, userId: string, now = new Date()) {
  const value = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await insertSession(db, { idHash: sha256Hex(value), userId, expiresAt });
  return { value, expiresAt };
}

export const resolveSession = (db: Db, value: string, now = new Date()) => findUserBySession(db, sha256Hex(value), now);

export const endSession = (db: Db, value: string) => deleteSession(db, sha256Hex(value));
