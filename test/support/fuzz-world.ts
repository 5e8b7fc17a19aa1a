import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRepo, startTestServer, uploadFiles, type TestServer } from './test-server.ts';
import { signIn } from './web-client.ts';

/**
 * A small platform for fuzzing: a publisher who also holds every platform role (so requests
 * reach validation rather than a 403), a researcher with an application, and one real object
 * of each kind, so ids in paths point at something and a 404 is not the only answer.
 */
export interface FuzzWorld {
  server: TestServer;
  /** alice: owns the `lab` organisation and its repositories; admin, moderator and credentialing staff. */
  publisher: { token: string; cookie: string };
  /** rita: a researcher with an access application, a credential application and a thread. */
  researcher: { token: string; cookie: string };
  /** Real values for path parameters, by parameter name (and a repository to use). */
  ids: Record<string, string>;
  close(): Promise<void>;
}

const REPO = 'lab/fuzz-lm';
const STATEMENT = 'We study memorisation of personal data in clinical language models and will report aggregate extraction rates only.';

async function expectOk(res: Response, what: string): Promise<any> {
  const text = await res.text();
  assert.ok(res.status < 300, `${what}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

export async function startFuzzWorld(): Promise<FuzzWorld> {
  // `changes`: the gated repositories are created directly; release review has its own tests.
  const server = await startTestServer({ config: { releaseReview: 'changes' } });
  const alice = await server.createUser('alice', { platformRoles: ['admin', 'moderator', 'credentialing'] });
  const rita = await server.createUser('rita');
  await server.createUser('reviewer-ray');
  await server.createOrg('lab', 'alice');
  const pub = await server.createToken('alice');
  const res = await server.createToken('rita');
  const api = (token: string, method: string, url: string, json?: unknown) => server.api(method, url, { token, json });

  await createRepo(server, pub, REPO, { accessLevel: 'reviewed' });
  await createRepo(server, pub, 'lab/fuzz-data', { type: 'dataset', accessLevel: 'agreement' });
  // Blocks, unblocks, appeals and setting changes land on these, so they do not stop the others' flows.
  await createRepo(server, pub, 'lab/fuzz-mod');
  await createRepo(server, pub, 'lab/fuzz-mod', { type: 'dataset' });
  await uploadFiles(server, pub, REPO, { 'README.md': '---\nlicense: mit\n---\n# Fuzz\n', 'config.json': '{}' });
  await expectOk(await api(pub, 'PUT', `/api/models/${REPO}/reviewers/reviewer-ray`), 'reviewer');
  await expectOk(await api(pub, 'PUT', `/api/models/${REPO}/agreement`, { title: 'Terms', text: 'Do not redistribute the weights or any output that contains personal data.' }), 'agreement');
  const agreement = await expectOk(await api(pub, 'GET', `/api/models/${REPO}/agreement`), 'agreement read');
  const application = await expectOk(await api(res, 'POST', `/api/models/${REPO}/access-requests`, { purpose: STATEMENT, agreement: { signedName: 'Rita Example', version: agreement.version, textSha256: agreement.textSha256 } }), 'application');
  const condition = await expectOk(await api(pub, 'POST', '/api/conditions', { text: 'Do not attempt to re-identify anyone.' }), 'condition');
  const thread = await expectOk(await api(res, 'POST', `/api/models/${REPO}/discussions`, { title: 'Eval numbers', body: 'Where are the numbers?' }), 'thread');
  const comment = await expectOk(await api(res, 'POST', `/api/models/${REPO}/discussions/${thread.id}/comments`, { body: 'Any news?' }), 'comment');
  const report = await expectOk(await api(res, 'POST', '/api/misuse-reports', { repo: REPO, category: 'redistribution', description: 'The weights are being re-hosted on a public mirror without the agreement.' }), 'report');
  const hook = await expectOk(await api(pub, 'POST', `/api/models/${REPO}/webhooks`, { url: 'https://hooks.example.org/airlock', events: ['access.granted'] }), 'webhook');
  const training = await expectOk(await api(pub, 'POST', '/api/trainings', {
    slug: 'fuzz-course', title: 'Fuzz course', summary: 'A course for the fuzz tests.', validityDays: 365,
    modules: [{ title: 'Read this', body: 'Be careful.' }], questions: [{ id: 'q1', prompt: 'Careful?', choices: ['no', 'yes'], answer: 1 }],
    externalAccepted: true, externalInstructions: 'a PDF certificate.',
  }), 'training');
  await expectOk(await api(res, 'PUT', '/api/me/profile', { fullName: 'Rita Example', institution: 'University of Testing', jobTitle: 'Postdoc', category: 'postdoc', country: 'DE', orcid: null, website: null }), 'profile');
  const credential = await expectOk(await api(res, 'PUT', '/api/me/credential', { researchSummary: STATEMENT.repeat(3), reference: { name: 'Ruth Reference', email: 'ruth@uni.example.edu', relationship: 'My doctoral supervisor' } }), 'credential');
  await api(res, 'POST', '/api/me/credential/submit');
  const aliceCookie = await signIn(server, 'alice', alice.password);
  // Tokens are managed from a browser session only.
  const tokens = await expectOk(await server.api('POST', '/api/tokens', { json: { name: 'spare', scope: 'read' }, headers: { cookie: aliceCookie, origin: server.url } }), 'token');

  return {
    server,
    publisher: { token: pub, cookie: aliceCookie },
    researcher: { token: res, cookie: await signIn(server, 'rita', rita.password) },
    ids: {
      namespace: 'lab', name: 'fuzz-lm', org: 'lab', username: 'reviewer-ray', branch: 'main', revision: 'main', version: '1',
      status: 'pending', field: 'purpose', slug: training.slug ?? 'fuzz-course', token: 'not-a-real-reference-token',
      accessRequest: application.id, agreement: agreement.id, condition: condition.id, thread: String(thread.id), commentId: String(comment.id),
      misuseReport: report.id, webhook: hook.id ?? hook.endpoint?.id, credential: credential.application?.id, apiToken: tokens.id,
      random: randomUUID(),
    },
    close: () => server.close(),
  };
}

/** Which real id a route's `:id` means, read from the route's path. */
export function idFor(pattern: string, ids: Record<string, string>): string {
  if (/access-requests|\/review\/|settings\/access\/:id/.test(pattern)) return ids.accessRequest!;
  if (/agreements/.test(pattern)) return ids.agreement!;
  if (/conditions/.test(pattern)) return ids.condition!;
  if (/discussions/.test(pattern)) return ids.thread!;
  if (/misuse-reports|moderation\/reports/.test(pattern)) return ids.misuseReport!;
  if (/webhooks/.test(pattern)) return ids.webhook!;
  if (/credentials/.test(pattern)) return ids.credential!;
  if (/tokens/.test(pattern)) return ids.apiToken!;
  return ids.random!;
}

/** A concrete URL for a route pattern: real objects, or (with `randomIds`) ids that name nothing. */
export function concreteUrl(pattern: string, ids: Record<string, string>, options: { randomIds?: boolean; kind?: 'models' | 'datasets' } = {}): string {
  const dataset = options.kind === 'datasets' || pattern.startsWith('/datasets/');
  // Changing visibility or level, or blocking, would shut the researcher out of the main repository.
  const moderation = /:name\/((moderation\/)?(block|unblock|appeal)|settings)$/.test(pattern);
  const pick = (name: string) => {
    if (name === 'name' && moderation) return 'fuzz-mod';
    if (name === 'name' && dataset) return 'fuzz-data';
    if (options.randomIds && !['namespace', 'name', 'org'].includes(name)) return randomUUID();
    return name === 'id' ? idFor(pattern, ids) : ids[name] ?? ids.random!;
  };
  const url = pattern.replace('{kind}', options.kind ?? 'models').replace(/:([A-Za-z]+)(\{[^}]*\})?/g, (_, name: string) => encodeURIComponent(pick(name)));
  return url.replace(/\*$/, 'main/config.json');
}

/**
 * A stack frame or a source path in a response body: the server leaked its insides. Specific
 * enough that echoed user input (a file named `src/x`) does not match: a frame, the checkout's
 * own directory, a module path, a file URL, or a `file.ts:line:column` position.
 */
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
export const LEAK = new RegExp(`\\n\\s+at \\S|${escapeRegExp(process.cwd())}/(src|test)/|node_modules/|file:///|\\.(tsx?|m?js):\\d+:\\d+`);
