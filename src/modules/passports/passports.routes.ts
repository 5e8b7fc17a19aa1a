import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import { auditContextOf, type AppEnv } from '../../app/context.ts';
import { AppError, unauthenticated } from '../../lib/errors.ts';
import { parseInput } from '../../lib/validation.ts';
import { authorize } from '../access/access.policies.ts';
import { actorTokenId, type Actor } from '../access/actor.ts';
import type { PassportAction } from './passports.policies.ts';
import { PASSPORT_MEDIA_TYPE } from './passports.models.ts';
import { submitVisaSchema, trustedBrokerSchema } from './passports.schemas.ts';
import { distrustBroker, issuePassport, loadMyVisas, loadTrustedBrokers, publishedJwks, submitVisa, trustBroker } from './passports.usecases.ts';

type UserActor = Actor & { kind: 'user' };

function ensureAllowed(actor: Actor, action: PassportAction): UserActor {
  const decision = authorize(actor, action);
  if (decision.allowed && actor.kind === 'user') return actor;
  switch (decision.allowed ? 'sign-in-required' : decision.reason) {
    case 'sign-in-required': throw unauthenticated('Sign in, or pass a token, to use GA4GH passports and visas.');
    case 'user-blocked': throw new AppError('user_blocked', 403, 'Your account is blocked. Contact the platform administrators.');
    case 'insufficient-scope': throw new AppError('insufficient_scope', 403, 'This token is read-only. Use a write token or the browser.');
    default: throw new AppError('forbidden', 403, 'Only platform admins choose which GA4GH brokers are trusted.');
  }
}

const presentBroker = (b: { id: string; iss: string; jku: string; createdAt: Date }) => ({ id: b.id, iss: b.iss, jku: b.jku, createdAt: b.createdAt.toISOString() });

/** GA4GH Passport: the JWKS, the passport endpoint, incoming visas and the trusted brokers. */
export function passportRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/.well-known/jwks.json', async (c) => c.json(await publishedJwks(deps), 200, { 'Cache-Control': 'public, max-age=300' }));

  app.get('/ga4gh/passport/v1', async (c) => {
    const actor = ensureAllowed(c.get('actor'), { type: 'passport.read-own' });
    const passport = await issuePassport(deps, actor.user);
    return c.body(passport, 200, { 'Content-Type': PASSPORT_MEDIA_TYPE, 'Cache-Control': 'no-store' });
  });

  app.get('/api/me/visas', async (c) => {
    const actor = ensureAllowed(c.get('actor'), { type: 'passport.read-own' });
    const rows = await loadMyVisas(deps, actor.user.id);
    return c.json(rows.map(({ visa }) => ({
      id: visa.id, iss: visa.iss, sub: visa.sub, type: visa.type, value: visa.value, source: visa.source, by: visa.by,
      asserted: visa.assertedAt.toISOString(), expiresAt: visa.expiresAt.toISOString(), receivedAt: visa.receivedAt.toISOString(),
    })));
  });
  app.post('/api/me/visas', async (c) => {
    const actor = ensureAllowed(c.get('actor'), { type: 'passport.submit-visa' });
    const { visa } = parseInput(submitVisaSchema, await c.req.json());
    const row = await submitVisa(deps, actor.user, { tokenId: actorTokenId(actor), audit: auditContextOf(c) }, visa);
    return c.json({ id: row.id, iss: row.iss, sub: row.sub, type: row.type, value: row.value, source: row.source, by: row.by, expiresAt: row.expiresAt.toISOString() }, 201);
  });

  app.get('/api/admin/trusted-brokers', async (c) => {
    ensureAllowed(c.get('actor'), { type: 'passport.manage-brokers', write: false });
    return c.json((await loadTrustedBrokers(deps)).map(presentBroker));
  });
  app.post('/api/admin/trusted-brokers', async (c) => {
    const actor = ensureAllowed(c.get('actor'), { type: 'passport.manage-brokers', write: true });
    const data = parseInput(trustedBrokerSchema, await c.req.json());
    const broker = await trustBroker(deps, { userId: actor.user.id, tokenId: actorTokenId(actor), audit: auditContextOf(c) }, data);
    return c.json(presentBroker(broker), 201);
  });
  app.delete('/api/admin/trusted-brokers/:id', async (c) => {
    const actor = ensureAllowed(c.get('actor'), { type: 'passport.manage-brokers', write: true });
    const id = c.req.param('id');
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('broker_not_found', 404, 'No trusted broker has this id. List them at GET /api/admin/trusted-brokers.');
    await distrustBroker(deps, { userId: actor.user.id, tokenId: actorTokenId(actor), audit: auditContextOf(c) }, id);
    return c.body(null, 204);
  });
  return app;
}
