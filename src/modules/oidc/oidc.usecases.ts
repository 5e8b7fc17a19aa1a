import type * as OpenIdClient from 'openid-client';

/** Loaded with the first sign-in through a provider: most servers never use it, and it costs memory. */
const openIdClient = () => import('openid-client');
import type { AppDeps } from '../../app/deps.ts';
import type { Config } from '../../app/config.ts';
import { sha256Hex } from '../../lib/crypto.ts';
import { AppError, badRequest, conflict, notFound } from '../../lib/errors.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { findProfile, upsertProfile } from '../credentials/credentials.repository.ts';
import { findUserByEmail, findUserById, insertUser, isNamespaceTaken } from '../users/users.repository.ts';
import { usernameSchema } from '../users/users.schemas.ts';
import { profileFromClaims, usernameCandidate, verifiedEmail, type ProviderClaims } from './oidc.models.ts';
import { findIdentity, insertIdentity, insertLogin, takeLogin, touchIdentity } from './oidc.repository.ts';

type Provider = Config['oidcProviders'][number];

const LOGIN_TTL_MS = 10 * 60_000;

export function findProvider(deps: AppDeps, id: string): Provider {
  const provider = deps.config.oidcProviders.find((p) => p.id === id);
  if (!provider) throw notFound('oidc_provider_not_found', `No sign-in provider "${id}" is configured here.`);
  return provider;
}

const isLoopbackHttp = (issuer: string) => {
  const url = new URL(issuer);
  return url.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname);
};

/** Discovery once per provider; plain http is allowed for a loopback issuer only (tests, a local IdP). */
const configurations = new Map<string, Promise<OpenIdClient.Configuration>>();
function configurationOf(provider: Provider): Promise<OpenIdClient.Configuration> {
  const key = `${provider.issuer}\0${provider.clientId}`;
  let config = configurations.get(key);
  if (!config) {
    config = openIdClient().then((oidc) => oidc.discovery(new URL(provider.issuer), provider.clientId, provider.clientSecret, undefined, isLoopbackHttp(provider.issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined));
    config.catch(() => configurations.delete(key));
    configurations.set(key, config);
  }
  return config;
}

const redirectUri = (deps: AppDeps, provider: Provider) => `${deps.config.baseUrl}/login/oidc/${provider.id}/callback`;

/** Starts the authorization code flow with PKCE (S256), a state and a nonce; returns where to send the browser. */
export async function startSignIn(deps: AppDeps, provider: Provider, options: { nextPath: string; linkUserId: string | null }): Promise<string> {
  const config = await configurationOf(provider).catch((error: unknown) => {
    throw new AppError('oidc_provider_unreachable', 502, `${provider.name} could not be reached to sign in. Try again later.`, { cause: error });
  });
  const oidc = await openIdClient();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  await insertLogin(deps.db, {
    stateHash: sha256Hex(state), providerId: provider.id, codeVerifier, nonce, nextPath: options.nextPath, linkUserId: options.linkUserId,
    expiresAt: new Date(Date.now() + LOGIN_TTL_MS),
  });
  return oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri(deps, provider), scope: 'openid email profile', state, nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
  }).toString();
}

const stateError = () => badRequest('oidc_state_invalid', 'This sign-in link is invalid, used or expired. Start signing in again.', 'state');

/**
 * Finishes the flow: the state must name a sign-in in progress (used once), the code is exchanged
 * with the PKCE verifier and the ID token checked (issuer, audience, nonce). Then the identity signs
 * in its account, is linked to the signed-in account that started the flow, or creates an account.
 * An existing local account is never taken over by email: its owner signs in first, then links.
 */
export async function finishSignIn(deps: AppDeps, provider: Provider, callbackSearch: string, audit: AuditContext): Promise<{ userId: string; nextPath: string }> {
  const state = new URLSearchParams(callbackSearch).get('state');
  if (!state) throw stateError();
  const login = await takeLogin(deps.db, sha256Hex(state), new Date());
  if (!login || login.providerId !== provider.id) throw stateError();
  const config = await configurationOf(provider);
  const oidc = await openIdClient();
  let claims: ProviderClaims;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, new URL(`${redirectUri(deps, provider)}${callbackSearch}`), { pkceCodeVerifier: login.codeVerifier, expectedState: state, expectedNonce: login.nonce, idTokenExpected: true });
    claims = tokens.claims() as ProviderClaims;
  } catch (error) {
    throw new AppError('oidc_sign_in_failed', 400, `${provider.name} did not confirm the sign-in (${(error as Error).message}). Start signing in again.`, { cause: error });
  }
  const issuer = config.serverMetadata().issuer;
  const now = new Date();
  return deps.db.transaction(async (tx) => {
    const identity = await findIdentity(tx, issuer, claims.sub);
    if (identity) {
      if (login.linkUserId && login.linkUserId !== identity.userId) throw conflict('oidc_identity_linked', `This ${provider.name} account is already linked to another Airlock account.`);
      const user = await findUserById(tx, identity.userId);
      if (user?.blockedAt) throw new AppError('user_blocked', 403, 'This account is blocked. Contact the platform administrators.');
      await touchIdentity(tx, identity.id, now);
      await recordAuditEvent(tx, { action: 'user.signed_in', actorUserId: identity.userId, ip: audit.ip, details: { via: 'oidc', provider: provider.id } });
      return { userId: identity.userId, nextPath: login.nextPath };
    }
    const email = verifiedEmail(claims);
    let userId = login.linkUserId;
    if (!userId) {
      if (email && (await findUserByEmail(tx, email))) {
        throw conflict('oidc_link_required', `An Airlock account with ${email} exists. Sign in to it with its password first, then sign in with ${provider.name} to link the two.`);
      }
      userId = (await createAccount(tx, claims, email, provider, audit)).id;
    }
    await insertIdentity(tx, { userId, providerId: provider.id, issuer, subject: claims.sub, email, createdAt: now, lastSignInAt: now });
    await fillProfile(tx, userId, claims, provider, now);
    await recordAuditEvent(tx, { action: login.linkUserId ? 'user.oidc_linked' : 'user.signed_in', actorUserId: userId, ip: audit.ip, details: { via: 'oidc', provider: provider.id, issuer } });
    return { userId, nextPath: login.nextPath };
  });
}

async function createAccount(tx: AppDeps['db'], claims: ProviderClaims, email: string | null, provider: Provider, audit: AuditContext) {
  const base = usernameSchema.safeParse(usernameCandidate(claims)).success ? usernameCandidate(claims) : `user-${usernameCandidate(claims)}`.slice(0, 36);
  let username = base;
  for (let n = 2; await isNamespaceTaken(tx, username); n += 1) {
    if (n > 50) throw conflict('username_taken', 'No free username could be derived from your sign-in; contact the administrators.');
    username = `${base}-${n}`;
  }
  const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim().slice(0, 200) : username;
  // Without a verified address the account gets a placeholder nobody can receive mail at.
  const user = await insertUser(tx, { username, email: email ?? `${username}@oidc.invalid`, displayName: name, passwordHash: null, platformRoles: [] });
  await recordAuditEvent(tx, { action: 'user.registered', actorUserId: user.id, ip: audit.ip, details: { username, via: 'oidc', provider: provider.id } });
  return user;
}

/** Claims fill empty profile fields only; they never make anyone a credentialed researcher. */
async function fillProfile(tx: AppDeps['db'], userId: string, claims: ProviderClaims, provider: Provider, now: Date) {
  const fromClaims = profileFromClaims(claims, provider.affiliationClaim);
  if (!fromClaims.fullName && !fromClaims.institution) return;
  const current = await findProfile(tx, userId);
  await upsertProfile(tx, {
    ...(current ?? { userId }),
    userId,
    fullName: current?.fullName ?? fromClaims.fullName,
    institution: current?.institution ?? fromClaims.institution,
    updatedAt: now,
  });
}
