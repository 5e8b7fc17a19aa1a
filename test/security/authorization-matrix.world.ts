import assert from 'node:assert/strict';
import { ManualClock } from '../../src/lib/clock.ts';
import { applicationApi, json, STATEMENT, type Application } from '../support/applications.ts';
import { prepareApplication, submit } from '../support/credentials.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../support/test-server.ts';
import { signIn } from '../support/web-client.ts';

/**
 * The world the authorization matrix runs in: one real server, built only through the API and the
 * test helpers, with one user (or credential) for each of the sixteen kinds of actor.
 */

/** The column order of the matrix. Changing it changes every row of the table. */
export const ACTORS = [
  'anon', // anonymous
  'badtok', // a token (or, on pages, a session cookie) that does not exist
  'readtok', // the publisher's read-scoped token: reads as the publisher, refused on every write
  'nogrant', // a researcher without a grant
  'pending', // one with a submitted application waiting for the committee
  'granted', // one with an approved, active grant
  'expired', // one whose grant ran past its end
  'revoked', // one whose grant the publisher revoked
  'blocked', // an account blocked by a platform admin (POST /api/users/:username/block) after it was granted
  'otherpub', // the publisher (org admin) of another organisation
  'pub', // the publisher: admin of the organisation that owns the repositories
  'rev', // a member of the review committee
  'conflicted', // a committee member who declared a conflict on the pending application
  'staff', // credentialing staff (platform role `credentialing`)
  'mod', // a moderator (platform role)
  'admin', // a platform admin
] as const;
export type ActorName = (typeof ACTORS)[number];

/** The users behind the staff actors (`admin` and `staff` are reserved names). */
export const USERNAMES: Partial<Record<ActorName, string>> = { staff: 'staffer', mod: 'moderator1', admin: 'operator' };

export const ORG = 'lab';
export const MODEL = 'lab/gated-lm';
/** Same organisation, same committee shape: the target of routes that would wreck MODEL (blocks). */
export const SCRATCH = 'lab/scratch-lm';
export const DATASET = 'lab/gated-data';
/** A private repository: no listing may ever show its name to anyone outside `lab` and the platform staff. */
export const PRIVATE = 'lab/xyzzy-private-weights';
export const PRIVATE_DATASET = 'lab/xyzzy-private-corpus';
export const OTHER_ORG = 'rival';
export const OTHER_MODEL = 'rival/rival-lm';

export interface Credentials {
  /** Sent as `Authorization: Bearer …` on API and Hugging Face routes. */
  token?: string;
  /** Sent as `Cookie:` on pages. */
  cookie?: string;
}

export interface World {
  server: TestServer;
  clock: ManualClock;
  /** The credentials an actor uses on API routes and on pages. */
  api: Record<ActorName, Credentials>;
  pages: Record<ActorName, Credentials>;
  /** Each user's id (for the actors that are users). */
  userIds: Record<string, string>;
  /** Ids of the objects the routes' parameters are filled with. */
  ids: {
    pendingApplication: string;
    grantedApplication: string;
    otherApplication: string;
    credentialApplication: string;
    discussion: string;
    comment: string;
    datasetDiscussion: string;
    datasetComment: string;
    misuseReport: string;
    webhook: string;
    condition: string;
    agreement: string;
    spareToken: string;
    certificateUpload: string;
  };
  /** Write tokens of the helper users, for setting things up again. */
  tokens: Record<string, string>;
}

const DAY = 86_400_000;
const CERTIFIED_TRAINING = {
  slug: 'human-subjects', title: 'Human subjects research', summary: 'An external course on research with human subjects.', validityDays: 1095,
  externalAccepted: true, externalInstructions: 'the completion report PDF, showing your name and the completion date.',
};
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

export async function buildWorld(): Promise<World> {
  const clock = new ManualClock(new Date('2031-03-01T09:00:00Z'));
  const server = await startTestServer({ clock });
  const users: Record<string, { id: string; password: string }> = {};
  const tokens: Record<string, string> = {};
  const roles: Record<string, ('admin' | 'moderator' | 'credentialing')[]> = { staffer: ['credentialing'], moderator1: ['moderator'], operator: ['admin'] };
  // `sparerev` and `extrarev` complete the committee; `victim` is the target of account blocks,
  // `sacrifice` of grant revocations, `applicant2` owns a second application that votes may decide.
  const people = ['pub', 'otherpub', 'rev', 'conflicted', 'sparerev', 'extrarev', 'nogrant', 'pending', 'granted', 'expired', 'revoked', 'blocked', 'staffer', 'moderator1', 'operator', 'victim', 'sacrifice'];
  for (const name of people) {
    const user = await server.createUser(name, { platformRoles: roles[name] });
    users[name] = { id: user.id, password: user.password };
    tokens[name] = await server.createToken(name);
  }
  const pub = tokens.pub!;
  await server.createOrg(ORG, 'pub');
  await server.createOrg(OTHER_ORG, 'otherpub');

  for (const repo of [MODEL, SCRATCH]) {
    await createRepo(server, pub, repo, { accessLevel: 'reviewed' });
    await uploadFiles(server, pub, repo, { 'README.md': `---\nlicense: other\n---\n# ${repo}\n`, 'weights.bin': 'weights of the gated model', 'docs/usage.md': 'How to load it.' });
    const api = applicationApi(server, repo);
    // Two approvals of an eligible three (the conflicted member is recused), so a single vote
    // during the matrix never decides an application.
    await json(await api.setPolicy(pub, { grantDurationDays: 30, decisionRule: { kind: 'committee', required: 2, veto: false } }), 200);
    for (const r of ['rev', 'conflicted', 'sparerev', 'extrarev']) await json(await api.addReviewer(pub, r), 201);
  }
  await createRepo(server, pub, DATASET, { type: 'dataset', accessLevel: 'reviewed' });
  await uploadFiles(server, pub, DATASET, { 'README.md': '# Gated data\n', 'data.csv': 'a,b\n1,2\n', 'docs/columns.md': 'a and b.' }, { type: 'dataset' });
  await createRepo(server, pub, PRIVATE, { accessLevel: 'open', private: true });
  await uploadFiles(server, pub, PRIVATE, { 'README.md': '# xyzzy private weights\n', 'xyzzy-secret.bin': 'private' });
  await createRepo(server, pub, PRIVATE_DATASET, { type: 'dataset', accessLevel: 'open', private: true });
  await uploadFiles(server, pub, PRIVATE_DATASET, { 'README.md': '# xyzzy private corpus\n' }, { type: 'dataset' });
  await createRepo(server, tokens.otherpub!, OTHER_MODEL, { accessLevel: 'open' });
  await uploadFiles(server, tokens.otherpub!, OTHER_MODEL, { 'README.md': '# Rival\n', 'weights.bin': 'rival weights' });

  const api = applicationApi(server, MODEL);
  const approve = async (who: string) => {
    const app = await json<Application>(await api.apply(tokens[who]!, { purpose: STATEMENT }), 201);
    await json(await api.vote(tokens.rev!, app.id, 'approve'), 201);
    const decided = await json<Application>(await api.vote(tokens.sparerev!, app.id, 'approve'), 201);
    assert.equal(decided.status, 'approved', `${who}'s application was not approved`);
    return app.id;
  };
  // The expired grant is the only one from before the jump past its 30-day end.
  await approve('expired');
  clock.advance(31 * DAY);
  const grantedApplication = await approve('granted');
  for (const who of ['revoked', 'blocked', 'sacrifice']) await approve(who);
  await json(await server.api('POST', `/api/models/${MODEL}/grants/revoke`, { token: pub, json: { user: 'revoked', reason: 'shared the weights on a forum' } }), 200);
  const pendingApplication = (await json<Application>(await api.apply(tokens.pending!, { purpose: STATEMENT }), 201)).id;
  await json(await api.conflict(tokens.conflicted!, pendingApplication, 'I co-authored with the applicant.'), 201);
  // A second open application on the scratch model, which votes and withdrawals may change.
  const otherApplication = (await json<Application>(await applicationApi(server, SCRATCH).apply(tokens.pending!, { purpose: STATEMENT }), 201)).id;
  await json(await applicationApi(server, SCRATCH).conflict(tokens.conflicted!, otherApplication, 'Same department as the applicant.'), 201);

  // A credential application waiting for staff, a discussion with a comment, a misuse report,
  // a webhook, a platform condition and an agreement (on the dataset: on the model it would
  // become a requirement that the granted actor does not meet).
  const credentialApplication = (await prepareApplication(server, tokens.nogrant!)).id;
  assert.equal((await submit(server, tokens.nogrant!)).status, 200);
  const thread = await json<{ id: string }>(await server.api('POST', `/api/models/${MODEL}/discussions`, { token: tokens.nogrant!, json: { title: 'A question about the card', body: 'What data was it trained on?' } }), 201);
  const comment = await json<{ id: string }>(await server.api('POST', `/api/models/${MODEL}/discussions/${thread.id}/comments`, { token: tokens.granted!, json: { body: 'Clinical notes, says the card.' } }), 201);
  const datasetThread = await json<{ id: string }>(await server.api('POST', `/api/datasets/${DATASET}/discussions`, { token: tokens.nogrant!, json: { title: 'Column meanings', body: 'What is column b?' } }), 201);
  const datasetComment = await json<{ id: string }>(await server.api('POST', `/api/datasets/${DATASET}/discussions/${datasetThread.id}/comments`, { token: tokens.granted!, json: { body: 'A count, I think.' } }), 201);
  // An external training certificate, uploaded by the researcher without a grant, for staff to check.
  await json(await server.api('POST', '/api/trainings', { token: tokens.operator!, json: CERTIFIED_TRAINING }), 201);
  const certificate = new FormData();
  certificate.set('file', new Blob([PDF], { type: 'application/pdf' }), 'certificate.pdf');
  certificate.set('completedOn', '2031-02-15');
  const upload = await json<{ id: string }>(await server.api('POST', `/api/trainings/${CERTIFIED_TRAINING.slug}/certificates`, { token: tokens.nogrant!, body: certificate }), 201);
  const report = await json<{ id: string }>(await server.api('POST', '/api/misuse-reports', { token: tokens.nogrant!, json: { repo: MODEL, category: 'other', description: 'The weights were posted on a public forum yesterday.' } }), 201);
  const webhook = await json<{ id: string }>(await server.api('POST', `/api/models/${MODEL}/webhooks`, { token: pub, json: { url: 'https://hooks.example.org/airlock', events: [] } }), 201);
  const condition = await json<{ id: string }>(await server.api('POST', '/api/conditions', { token: tokens.operator!, json: { text: 'Do not attempt to re-identify anyone.' } }), 201);
  const agreement = await json<{ id: string }>(await server.api('PUT', `/api/datasets/${DATASET}/agreement`, { token: pub, json: { title: 'Data use agreement', text: 'I will not redistribute the data or try to re-identify anyone in it.' } }), 201);

  // Sessions first: a blocked account cannot sign in, but its session from before must be refused too.
  const cookies: Record<string, string> = {};
  for (const name of people) cookies[name] = await signIn(server, name, users[name]!.password);
  // Its own token, so that deleting it (DELETE /api/tokens/:id) leaves the publisher's working one.
  // Tokens are managed from a session only.
  const spareToken = (await json<{ id: string }>(await server.api('POST', '/api/tokens', { headers: { cookie: cookies.pub!, origin: server.url }, json: { name: 'spare', scope: 'read' } }), 201)).id;
  await json(await server.api('POST', '/api/users/blocked/block', { token: tokens.operator!, json: { reason: 'Abusive messages to the committee.' } }), 200);

  const readtok = await server.createToken('pub', 'read');
  const userActor = (name: string) => [{ token: tokens[name]! }, { cookie: cookies[name]! }] as const;
  const entries = ACTORS.map((actor): [ActorName, Credentials, Credentials] => {
    if (actor === 'anon') return [actor, {}, {}];
    if (actor === 'badtok') return [actor, { token: 'hf_not_a_real_token_0000000000000000' }, { cookie: 'airlock_session=not-a-real-session' }];
    if (actor === 'readtok') return [actor, { token: readtok }, { token: readtok }];
    const [a, p] = userActor(USERNAMES[actor] ?? actor);
    return [actor, a, p];
  });
  return {
    server,
    clock,
    api: Object.fromEntries(entries.map(([a, c]) => [a, c])) as Record<ActorName, Credentials>,
    pages: Object.fromEntries(entries.map(([a, , c]) => [a, c])) as Record<ActorName, Credentials>,
    userIds: Object.fromEntries(Object.entries(users).map(([k, v]) => [k, v.id])),
    ids: { pendingApplication, grantedApplication, otherApplication, credentialApplication, discussion: thread.id, comment: comment.id, datasetDiscussion: datasetThread.id, datasetComment: datasetComment.id, misuseReport: report.id, webhook: webhook.id, condition: condition.id, agreement: agreement.id, spareToken, certificateUpload: upload.id },
    tokens,
  };
}
