import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { AppDeps } from '../../app/deps.ts';
import { AppError, badRequest, conflict, notFound } from '../../lib/errors.ts';
import type { ActorUser } from '../access/actor.ts';
import { listSignaturesOfUser } from '../agreements/agreements.repository.ts';
import { recordAuditEvent, type AuditContext } from '../audit/audit.repository.ts';
import { credentialStatus } from '../credentials/credentials.usecases.ts';
import { loadVisaKey } from './passports.keys.ts';
import { PASSPORT_TYP, planVisas, VISA_LIFETIME_SECONDS, VISA_TYP, type PlannedVisa } from './passports.models.ts';
import {
  findOtherHolderOfSubject, findTrustedBroker, findTrustedBrokerByIssuer, insertExternalVisa, insertTrustedBroker, listActiveGrantsOf,
  listTrustedBrokers, listValidExternalVisas, removeTrustedBroker,
} from './passports.repository.ts';
import { incomingVisaObjectSchema } from './passports.schemas.ts';

export const jwksUrl = (baseUrl: string) => `${baseUrl}/.well-known/jwks.json`;

export async function publishedJwks(deps: AppDeps) {
  return { keys: [(await loadVisaKey(deps.config.dataDir)).publicJwk] };
}

const repoAddress = (baseUrl: string, repo: { type: string; namespace: string; name: string }) =>
  `${baseUrl}/${repo.type === 'dataset' ? 'datasets/' : ''}${repo.namespace}/${repo.name}`;

/** A repository's agreement is served under its API path; a platform agreement under its id. */
function agreementAddress(baseUrl: string, row: Awaited<ReturnType<typeof listSignaturesOfUser>>[number]) {
  const { repo, signature } = row;
  if (!repo?.namespace || !repo.name) return `${baseUrl}/api/agreements/${row.agreement.id}?version=${signature.version}`;
  return `${baseUrl}/api/${repo.type === 'dataset' ? 'datasets' : 'models'}/${repo.namespace}/${repo.name}/agreement?version=${signature.version}`;
}

/** What the user's records support right now: active grants, the newest signature of each agreement, an active credential. */
export async function planPassport(deps: AppDeps, userId: string): Promise<PlannedVisa[]> {
  const now = deps.clock.now();
  const base = deps.config.baseUrl;
  const [grants, signatures, credential] = await Promise.all([listActiveGrantsOf(deps.db, userId, now), listSignaturesOfUser(deps.db, userId), credentialStatus(deps.db, userId)]);
  const newestPerAgreement = new Map<string, (typeof signatures)[number]>();
  for (const row of signatures) if (!newestPerAgreement.has(row.agreement.id)) newestPerAgreement.set(row.agreement.id, row);
  return planVisas({
    now,
    source: base,
    grants: grants.map((g) => ({ repoUrl: repoAddress(base, g.repo), startsAt: g.startsAt, endsAt: g.endsAt })),
    signatures: [...newestPerAgreement.values()].map((row) => ({ agreementUrl: agreementAddress(base, row), signedAt: row.signature.signedAt })),
    credentialApprovedAt: credential.active ? credential.approvedAt : null,
  });
}

/** The signed passport: each visa a JWT of its own (`typ: vnd.ga4gh.visa+jwt`), carried in `ga4gh_passport_v1`. */
export async function issuePassport(deps: AppDeps, user: ActorUser): Promise<string> {
  const key = await loadVisaKey(deps.config.dataDir);
  const base = deps.config.baseUrl;
  const iat = Math.floor(deps.clock.now().getTime() / 1000);
  const header = (typ: string) => ({ alg: 'ES256', typ, jku: jwksUrl(base), kid: key.kid });
  const visas = await Promise.all((await planPassport(deps, user.id)).map(({ visa, exp }) =>
    new SignJWT({ ga4gh_visa_v1: { ...visa } }).setProtectedHeader(header(VISA_TYP)).setIssuer(base).setSubject(user.id)
      .setIssuedAt(iat).setExpirationTime(exp).setJti(randomUUID()).sign(key.privateKey)));
  return new SignJWT({ ga4gh_passport_v1: visas }).setProtectedHeader(header(PASSPORT_TYP)).setIssuer(base).setSubject(user.id)
    .setIssuedAt(iat).setExpirationTime(iat + VISA_LIFETIME_SECONDS).setJti(randomUUID()).sign(key.privateKey);
}

// ---- Trusted brokers

export const loadTrustedBrokers = (deps: AppDeps) => listTrustedBrokers(deps.db);

export async function trustBroker(deps: AppDeps, actor: { userId: string; tokenId: string | null; audit: AuditContext }, input: { iss: string; jku: string }) {
  return deps.db.transaction(async (tx) => {
    if (await findTrustedBrokerByIssuer(tx, input.iss)) throw conflict('broker_already_trusted', `A broker with issuer ${input.iss} is already trusted. Remove it first to change its key set address.`, 'iss');
    const broker = await insertTrustedBroker(tx, { iss: input.iss, jku: input.jku, createdBy: actor.userId, createdAt: deps.clock.now() });
    await recordAuditEvent(tx, { action: 'passport.broker_trusted', actorUserId: actor.userId, actorTokenId: actor.tokenId, ip: actor.audit.ip, details: { brokerId: broker.id, iss: broker.iss, jku: broker.jku } });
    return broker;
  });
}

export async function distrustBroker(deps: AppDeps, actor: { userId: string; tokenId: string | null; audit: AuditContext }, id: string) {
  await deps.db.transaction(async (tx) => {
    const broker = await findTrustedBroker(tx, id);
    if (!broker) throw notFound('broker_not_found', 'No trusted broker has this id. List them at GET /api/admin/trusted-brokers.');
    await removeTrustedBroker(tx, id, deps.clock.now());
    await recordAuditEvent(tx, { action: 'passport.broker_removed', actorUserId: actor.userId, actorTokenId: actor.tokenId, ip: actor.audit.ip, details: { brokerId: id, iss: broker.iss } });
  });
}

// ---- Incoming visas

/** One remote key set per address: jose caches its keys and refetches on an unknown `kid`. */
const remoteKeySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
const remoteKeySet = (jku: string) => {
  let set = remoteKeySets.get(jku);
  if (!set) remoteKeySets.set(jku, (set = createRemoteJWKSet(new URL(jku), { timeoutDuration: 5000 })));
  return set;
};

const invalidVisa = (message: string) => badRequest('invalid_visa', `visa: ${message}`, 'visa');

function unverifiedClaims(jwt: string): { iss: string; typ: string | undefined } {
  try {
    const { iss } = decodeJwt(jwt);
    const { typ } = decodeProtectedHeader(jwt);
    if (typeof iss !== 'string') throw new Error('no iss');
    return { iss, typ };
  } catch {
    throw invalidVisa('this is not a JWT with an issuer (iss) claim.');
  }
}

/** Verifies against the trusted broker's key set only; every failure says which check failed. */
async function verifyAgainstBroker(jwt: string, broker: { iss: string; jku: string }, now: Date): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(jwt, remoteKeySet(broker.jku), { issuer: broker.iss, currentDate: now, requiredClaims: ['sub', 'exp', 'iat'], algorithms: ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'] });
    return payload;
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw invalidVisa('it has expired; get a fresh visa from your broker.');
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) throw invalidVisa(`its signature does not verify against the keys of ${broker.iss}; it was altered or not signed by that broker.`);
    if (error instanceof joseErrors.JWKSNoMatchingKey) throw invalidVisa(`no key of ${broker.iss} (at ${broker.jku}) matches its kid.`);
    if (error instanceof joseErrors.JWTClaimValidationFailed) throw invalidVisa(`its ${error.claim} claim is not valid (${error.reason}).`);
    if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid || (error instanceof Error && /fetch|ECONN|network/i.test(error.message))) {
      throw new AppError('broker_unreachable', 502, `The key set of ${broker.iss} at ${broker.jku} could not be fetched or read. Try again later, or ask an admin to check the broker's jku.`);
    }
    throw invalidVisa('its signature or claims could not be verified.');
  }
}

/**
 * Accepts a `ResearcherStatus` visa from a trusted broker. It then satisfies the credentialed
 * requirement until it expires, with its broker and source recorded (and audited).
 */
export async function submitVisa(deps: AppDeps, user: ActorUser, actor: { tokenId: string | null; audit: AuditContext }, jwt: string) {
  const now = deps.clock.now();
  const { iss, typ } = unverifiedClaims(jwt);
  const broker = await findTrustedBrokerByIssuer(deps.db, iss);
  if (!broker) throw new AppError('untrusted_visa_issuer', 403, `Visas from ${iss} are not accepted: that broker is not trusted here. A platform admin can add it under trusted brokers.`, { field: 'visa' });
  // A passport or another kind of token must not pass for a visa.
  if (typ !== undefined && typ.replace(/^application\//i, '').toLowerCase() !== VISA_TYP) throw invalidVisa(`its header typ is ${typ}, not ${VISA_TYP}.`);
  const payload = await verifyAgainstBroker(jwt, broker, now);
  const parsed = incomingVisaObjectSchema.safeParse(payload.ga4gh_visa_v1);
  if (!parsed.success) throw invalidVisa(`its ga4gh_visa_v1 claim is missing or malformed (${parsed.error.issues[0]!.path.join('.') || 'claim'}: ${parsed.error.issues[0]!.message}).`);
  const visa = parsed.data;
  if (visa.type !== 'ResearcherStatus') throw badRequest('unsupported_visa_type', `visa: only ResearcherStatus visas are accepted here, not ${visa.type}.`, 'visa');
  const sub = payload.sub!;
  return deps.db.transaction(async (tx) => {
    if (await findOtherHolderOfSubject(tx, iss, sub, user.id)) throw conflict('visa_subject_linked', `This broker identity (${sub} at ${iss}) is already linked to another Airlock account.`, 'visa');
    const row = await insertExternalVisa(tx, {
      userId: user.id, brokerId: broker.id, iss, sub, jti: typeof payload.jti === 'string' ? payload.jti : null, type: visa.type, value: visa.value, source: visa.source,
      by: visa.by ?? null, assertedAt: new Date(visa.asserted * 1000), expiresAt: new Date(payload.exp! * 1000), receivedAt: now,
    });
    await recordAuditEvent(tx, {
      action: 'passport.visa_accepted', actorUserId: user.id, actorTokenId: actor.tokenId, ip: actor.audit.ip,
      details: { visaId: row.id, iss, sub, type: visa.type, value: visa.value, source: visa.source, by: visa.by ?? null, expiresAt: row.expiresAt.toISOString() },
    });
    return row;
  });
}

export const loadMyVisas = (deps: AppDeps, userId: string) => listValidExternalVisas(deps.db, userId, 'ResearcherStatus', deps.clock.now());

