import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, postForm, signIn } from '../../../test/support/web-client.ts';
import { auditEvents } from '../audit/audit.tables.ts';
import { COMPLETE } from '../../../test/support/assessments.ts';


async function problem(response: Response, status: number, field?: string) {
  const body = (await response.json()) as { code: string; field?: string; detail: string };
  assert.equal(response.status, status, JSON.stringify(body));
  if (field !== undefined) assert.equal(body.field, field);
  return body;
}

describe('risk–benefit assessments and the release rule over HTTP', () => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  const passwords: Record<string, string> = {};
  const settings = (repo: string, accessLevel: string, token = tokens.alice) => server.api('PATCH', `/api/models/${repo}/settings`, { token, json: { accessLevel } });
  const submit = (repo: string, body: unknown, token = tokens.alice) => server.api('POST', `/api/models/${repo}/assessment/submit`, { token, json: body });
  const decide = (repo: string, version: number, body: unknown, token = tokens.mod) => server.api('POST', `/api/models/${repo}/assessment/versions/${version}/decision`, { token, json: body });

  before(async () => {
    // These tests are about the rule for level changes, and need a gated repository with no
    // assessment yet, which the strict default never lets exist: so creation is not reviewed here.
    server = await startTestServer({ config: { releaseReview: 'changes' } });
    for (const name of ['alice', 'bob', 'carol']) passwords[name] = (await server.createUser(name)).password;
    passwords.mod = (await server.createUser('mod', { platformRoles: ['moderator'] })).password;
    for (const name of ['alice', 'bob', 'carol', 'mod']) tokens[name] = await server.createToken(name);
    await createRepo(server, tokens.alice!, 'alice/lm');
    await createRepo(server, tokens.alice!, 'alice/gated', { accessLevel: 'reviewed' });
    await createRepo(server, tokens.alice!, 'alice/secret', { private: true });
  });
  after(() => server.close());

  it('refuses to gate an open repository, or open a gated one, without a submitted assessment', async () => {
    const gate = await problem(await settings('alice/lm', 'agreement'), 409, 'accessLevel');
    assert.equal(gate.code, 'assessment_required');
    assert.match(gate.detail, /\/alice\/lm\/assessment/);
    assert.equal((await problem(await settings('alice/gated', 'open'), 409, 'accessLevel')).code, 'assessment_required');
    assert.equal((await settings('alice/gated', 'no-download')).status, 200, 'tightening never waits for paperwork');
  });

  it('keeps drafts editable and incomplete, and refuses to submit an incomplete one, naming the field', async () => {
    const saved = await server.api('PUT', '/api/models/alice/lm/assessment/draft', { token: tokens.alice, json: { intendedUses: 'Research', misuses: [{ description: 'x', likelihood: 3 }] } });
    assert.equal(saved.status, 200);
    await problem(await server.api('POST', '/api/models/alice/lm/assessment/submit', { token: tokens.alice }), 400, 'intendedUsers');
    await problem(await server.api('PUT', '/api/models/alice/lm/assessment/draft', { token: tokens.alice, json: { misuses: [{ likelihood: 9 }] } }), 400, 'misuses.0.likelihood');
    await problem(await submit('alice/lm', { ...COMPLETE, misuses: [] }), 400, 'misuses');
    await problem(await submit('alice/lm', { ...COMPLETE, accessLevel: 'secret' }), 400, 'accessLevel');
    await problem(await submit('alice/lm', { ...COMPLETE, misuses: [{ ...COMPLETE.misuses[0], severity: 0 }] }), 400, 'misuses.0.severity');
  });

  it('lets only the publishers write the assessment and only a moderator (not the publisher) decide it', async () => {
    for (const who of ['bob', 'carol', 'mod']) assert.equal((await submit('alice/lm', COMPLETE, tokens[who])).status, 403, who);
    assert.equal((await server.api('POST', '/api/models/alice/lm/assessment/submit', { json: COMPLETE })).status, 401);
    const first = await submit('alice/lm', COMPLETE);
    assert.equal(first.status, 201);
    assert.deepEqual(((await first.json()) as { version: number; status: string }).version, 1);
    for (const who of ['alice', 'bob', 'carol']) {
      assert.equal((await problem(await decide('alice/lm', 1, { decision: 'accept', rationale: 'Looks fine to me.' }, tokens[who]), 403)).code, 'not_a_release_reviewer', who);
    }
    assert.equal((await decide('alice/lm', 1, { decision: 'accept', rationale: 'Looks fine to me.' }, await server.createToken('mod', 'read'))).status, 403, 'a read token decides nothing');
  });

  it('allows the levels the submitted assessment argues for, or stricter, and nothing more open', async () => {
    assert.equal((await settings('alice/lm', 'reviewed')).status, 200, 'stricter than argued');
    assert.equal((await settings('alice/lm', 'agreement')).status, 200, 'exactly as argued');
    const open = await problem(await settings('alice/lm', 'open'), 409, 'accessLevel');
    assert.equal(open.code, 'assessment_argues_stricter');
    assert.match(open.detail, /version 1/);
  });

  it('refuses bad decisions with a 4xx naming the field', async () => {
    await problem(await decide('alice/lm', 1, { decision: 'require-stricter', rationale: 'Too risky for agreement.' }), 400, 'requiredLevel');
    await problem(await decide('alice/lm', 1, { decision: 'require-stricter', requiredLevel: 'agreement', rationale: 'Too risky for agreement.' }), 400, 'requiredLevel');
    await problem(await decide('alice/lm', 1, { decision: 'accept', rationale: 'ok' }), 400, 'rationale');
    await problem(await decide('alice/lm', 1, { decision: 'maybe', rationale: 'Long enough rationale.' }), 400, 'decision');
    await problem(await decide('alice/lm', 7, { decision: 'accept', rationale: 'Long enough rationale.' }), 404, 'version');
    await problem(await decide('alice/lm', 0, { decision: 'accept', rationale: 'Long enough rationale.' }), 400, 'version');
  });

  it('a moderator requiring a stricter level raises the repository to it and holds it there until a newer version is accepted', async () => {
    const res = await decide('alice/lm', 1, { decision: 'require-stricter', requiredLevel: 'reviewed', rationale: 'Harassment risk is high; each use needs review.' });
    assert.equal(res.status, 200);
    const decided = (await res.json()) as { status: string; levelChanged: { from: string; to: string } };
    assert.equal(decided.status, 'stricter-level-required');
    assert.deepEqual(decided.levelChanged, { from: 'agreement', to: 'reviewed' });
    const info = (await (await server.api('GET', '/api/models/alice/lm')).json()) as { gated: unknown };
    assert.equal(info.gated, 'manual');
    const notices = (await (await server.api('GET', '/api/me/notifications', { token: tokens.alice })).json()) as { subject: string; body: string; link: string }[];
    const notice = notices.find((n) => n.subject === 'Release review of alice/lm: level "reviewed" required');
    assert.ok(notice, JSON.stringify(notices));
    assert.match(notice.body, /Harassment risk is high/);
    assert.match(notice.link, /\/alice\/lm\/transparency$/);
    await problem(await decide('alice/lm', 1, { decision: 'accept', rationale: 'Changed my mind here.' }), 409, 'version');

    assert.equal((await problem(await settings('alice/lm', 'agreement'), 409, 'accessLevel')).code, 'level_below_required');
    assert.equal((await submit('alice/lm', { ...COMPLETE, accessLevelArgument: 'The detector now ships with it.' })).status, 201);
    assert.equal((await problem(await settings('alice/lm', 'agreement'), 409)).code, 'level_below_required', 'resubmitting alone does not lift the requirement');
    assert.equal((await decide('alice/lm', 2, { decision: 'accept', rationale: 'With the detector, agreement suffices.' })).status, 200);
    assert.equal((await settings('alice/lm', 'agreement')).status, 200);

    const actions = (await server.runtime.deps.db.select().from(auditEvents).where(eq(auditEvents.repoId, (await repoId('alice/lm'))))).map((e) => e.action);
    for (const action of ['assessment.submitted', 'assessment.decided', 'repo.settings_changed']) assert.ok(actions.includes(action), action);
  });

  it('numbers every submission as a new version and supersedes one still waiting', async () => {
    assert.equal((await submit('alice/gated', { ...COMPLETE, accessLevel: 'reviewed' })).status, 201);
    assert.equal((await submit('alice/gated', { ...COMPLETE, accessLevel: 'reviewed', publicSummary: 'Second thoughts.' })).status, 201);
    const view = (await (await server.api('GET', '/api/models/alice/gated/assessment', { token: tokens.alice })).json()) as { versions: { version: number; status: string; publicSummary: string; content?: unknown }[]; draft: unknown };
    assert.deepEqual(view.versions.map((v) => [v.version, v.status]), [[2, 'submitted'], [1, 'superseded']]);
    assert.equal(view.versions[1]!.publicSummary, COMPLETE.publicSummary, 'version 1 was not overwritten');
    assert.ok(view.versions[0]!.content, 'publishers see the full content');
    await problem(await decide('alice/gated', 1, { decision: 'accept', rationale: 'Long enough rationale.' }), 409, 'version');
    const queue = (await (await server.api('GET', '/api/assessments/queue', { token: tokens.mod })).json()) as { repository: { id: string }; version: number }[];
    assert.deepEqual(queue.map((q) => [q.repository.id, q.version]), [['alice/gated', 2]]);
    assert.equal((await server.api('GET', '/api/assessments/queue', { token: tokens.bob })).status, 403);
    const modPage = await (await getPage(server, '/staff/assessments', { cookie: await signIn(server, 'mod', passwords.mod!) })).text();
    assert.match(modPage, /<a href="\/staff\/assessments">Release reviews<\/a>/, 'moderators find the queue in the navigation');
    assert.match(modPage, /<a href="\/alice\/gated\/assessment">alice\/gated<\/a><\/td><td class="num">2<\/td>/);
    const bobPage = await getPage(server, '/staff/assessments', { cookie: await signIn(server, 'bob', passwords.bob!) });
    assert.equal(bobPage.status, 403);
    assert.doesNotMatch(await bobPage.text(), /href="\/staff\/assessments"/);
    assert.equal((await getPage(server, '/staff/assessments')).status, 303);
  });

  it('shows the public part to everyone and the full assessment only to members and moderators', async () => {
    const anonymous = (await (await server.api('GET', '/api/models/alice/lm/assessment')).json()) as { versions: Record<string, unknown>[]; draft?: unknown };
    assert.equal(anonymous.versions[0]!.publicSummary, COMPLETE.publicSummary);
    assert.equal(anonymous.versions[0]!.content, undefined);
    assert.equal(anonymous.draft, undefined);
    const bob = (await (await server.api('GET', '/api/models/alice/lm/assessment', { token: tokens.bob })).json()) as { versions: Record<string, unknown>[] };
    assert.equal(bob.versions[0]!.content, undefined);
    const mod = (await (await server.api('GET', '/api/models/alice/lm/assessment', { token: tokens.mod })).json()) as { versions: Record<string, unknown>[] };
    assert.ok(mod.versions[0]!.content);
  });

  it('publishes the decision, versions and counts on the transparency page and its JSON, and hides a private repository', async () => {
    const json = (await (await server.api('GET', '/api/models/alice/lm/transparency')).json()) as {
      assessment: { version: number; publicSummary: string; rationale: string; decidedBy: string };
      assessmentVersions: { version: number; status: string }[];
      accessLevelHistory: { from: string | null; to: string; source: string }[];
      applications: { received: number }; activeGrants: number; downloads: number; links: { cardHistory: string };
    };
    assert.deepEqual([json.assessment.version, json.assessment.rationale, json.assessment.decidedBy], [2, 'With the detector, agreement suffices.', 'mod']);
    assert.equal(json.assessment.publicSummary, COMPLETE.publicSummary);
    assert.deepEqual(json.assessmentVersions.map((v) => [v.version, v.status]), [[2, 'accepted'], [1, 'stricter-level-required']]);
    assert.deepEqual(json.accessLevelHistory.map((h) => [h.from, h.to, h.source]), [[null, 'open', 'publisher'], ['open', 'reviewed', 'publisher'], ['reviewed', 'agreement', 'publisher'], ['agreement', 'reviewed', 'platform'], ['reviewed', 'agreement', 'publisher']]);
    assert.match(json.links.cardHistory, /\/alice\/lm\/card\/history$/);
    const page = await (await getPage(server, '/alice/lm/transparency')).text();
    assert.match(page, /data-testid="rationale">With the detector, agreement suffices.</);
    assert.match(page, /href="\/alice\/lm\/card\/history"/);

    assert.equal((await server.api('GET', '/api/models/alice/secret/transparency', { token: tokens.bob })).status, 404);
    assert.equal((await getPage(server, '/alice/secret/transparency')).status, 404);
    assert.equal((await server.api('GET', '/api/models/alice/secret/assessment', { token: tokens.bob })).status, 404);
    assert.equal((await server.api('GET', '/api/models/alice/secret/transparency', { token: tokens.alice })).status, 200);
  });

  it('records blocks and unblocks on the transparency report, with who and why', async () => {
    await createRepo(server, tokens.alice!, 'alice/blocked-lm');
    assert.equal((await server.api('POST', '/api/models/alice/blocked-lm/block', { token: tokens.mod, json: { reason: 'Used for a harassment campaign' } })).status, 200);
    const blocked = (await (await server.api('GET', '/api/models/alice/blocked-lm/transparency')).json()) as { block: { by: string; reason: string } | null; blocks: { action: string; by: string; reason: string | null }[] };
    assert.deepEqual([blocked.block?.by, blocked.block?.reason], ['mod', 'Used for a harassment campaign']);
    assert.match(await (await getPage(server, '/alice/blocked-lm/transparency')).text(), /data-testid="block">.*Used for a harassment campaign/);
    assert.equal((await server.api('POST', '/api/models/alice/blocked-lm/unblock', { token: tokens.mod, json: { reason: 'Campaign over' } })).status, 200);
    const after = (await (await server.api('GET', '/api/models/alice/blocked-lm/transparency')).json()) as typeof blocked;
    assert.equal(after.block, null);
    assert.deepEqual(after.blocks.map((b) => [b.action, b.by, b.reason]), [['blocked', 'mod', 'Used for a harassment campaign'], ['unblocked', 'mod', 'Campaign over']]);
  });

  it('counts applications, decisions and grants on the transparency report', async () => {
    await createRepo(server, tokens.alice!, 'alice/counted', { accessLevel: 'reviewed' });
    const apply = await server.api('POST', '/api/models/alice/counted/access-requests', { token: tokens.bob, json: {} });
    assert.ok(apply.status === 201 || apply.status === 200, await apply.clone().text());
    let report = (await (await server.api('GET', '/api/models/alice/counted/transparency')).json()) as { applications: { received: number; pending: number; approved: number; medianDecisionHours: number | null }; activeGrants: number };
    assert.deepEqual([report.applications.received, report.applications.pending, report.activeGrants], [1, 1, 0]);
    assert.equal((await server.api('POST', '/api/models/alice/counted/grants', { token: tokens.alice, json: { user: 'bob' } })).status, 201);
    report = (await (await server.api('GET', '/api/models/alice/counted/transparency')).json()) as typeof report;
    assert.deepEqual([report.applications.received, report.applications.pending, report.applications.approved, report.activeGrants], [1, 0, 1, 1]);
    assert.equal(typeof report.applications.medianDecisionHours, 'number');
  });

  it('works through the browser forms: a publisher submits, a moderator requires reviewed, the page shows it', async () => {
    await createRepo(server, tokens.alice!, 'alice/web-lm');
    const alice = await signIn(server, 'alice', passwords.alice!);
    const form = await (await getPage(server, '/alice/web-lm/assessment', { cookie: alice })).text();
    assert.match(form, /data-testid="assessment-form"/);
    const fields: Record<string, string> = {
      intendedUses: COMPLETE.intendedUses, intendedUsers: COMPLETE.intendedUsers, nonConsentingPeople: COMPLETE.nonConsentingPeople,
      mitigations: COMPLETE.mitigations, benefits: COMPLETE.benefits, outputRecognition: COMPLETE.outputRecognition,
      accessLevel: 'agreement', accessLevelArgument: COMPLETE.accessLevelArgument, publicSummary: 'Web summary <b>not bold</b>',
      'misuses.0.description': 'Spam', 'misuses.0.harmedGroups': 'Forum users', 'misuses.0.likelihood': '3', 'misuses.0.severity': '',
      'misuses.1.description': '', 'misuses.1.harmedGroups': '', intent: 'submit',
    };
    const invalid = await postForm(server, '/alice/web-lm/assessment', fields, { cookie: alice });
    assert.equal(invalid.status, 400);
    const invalidHtml = await invalid.text();
    assert.doesNotMatch(invalidHtml, /role="alert"/, 'the error is shown once, beside its field');
    assert.match(invalidHtml, /id="misuses.0.severity-error">Is required.</);
    const saved = await postForm(server, '/alice/web-lm/assessment', { ...fields, 'misuses.0.severity': '2' }, { cookie: alice });
    assert.equal(saved.status, 303);
    assert.equal((await settings('alice/web-lm', 'agreement')).status, 200);

    const mod = await signIn(server, 'mod', passwords.mod!);
    const review = await (await getPage(server, '/alice/web-lm/assessment', { cookie: mod })).text();
    assert.match(review, /data-testid="decision-form"/);
    assert.doesNotMatch(await (await getPage(server, '/alice/web-lm/assessment', { cookie: alice })).text(), /data-testid="decision-form"/);
    const bobCookie = await signIn(server, 'bob', passwords.bob!);
    assert.equal((await postForm(server, '/alice/web-lm/assessment/versions/1/decision', { decision: 'accept', rationale: 'I am not a moderator.' }, { cookie: bobCookie })).status, 403);
    const decided = await postForm(server, '/alice/web-lm/assessment/versions/1/decision', { decision: 'require-stricter', requiredLevel: 'reviewed', rationale: 'Spam at scale needs reviewed access.' }, { cookie: mod });
    assert.equal(decided.status, 303);
    const page = await (await getPage(server, '/alice/web-lm/transparency')).text();
    assert.match(page, /Spam at scale needs reviewed access./);
    assert.match(page, /Web summary &lt;b&gt;not bold&lt;\/b&gt;/, 'the summary is escaped, not rendered');
    assert.match(page, /<span class="badge reviewed">Reviewed<\/span>/);
    const report = (await (await server.api('GET', '/api/models/alice/web-lm/transparency')).json()) as { conditions: { source: string; conditions: string[] }[] };
    const platform = report.conditions.find((g) => g.source === 'platform');
    assert.ok(platform?.conditions.includes('Platform release review requires at least the "reviewed" access level (assessment version 1).'), JSON.stringify(report.conditions));
    assert.match(page, /<h3 data-source="platform">Platform conditions/);
  });

  it('works the same for datasets under /api/datasets/ and /datasets/', async () => {
    await createRepo(server, tokens.alice!, 'alice/corpus', { type: 'dataset' });
    const patch = () => server.api('PATCH', '/api/datasets/alice/corpus/settings', { token: tokens.alice, json: { accessLevel: 'reviewed' } });
    assert.equal((await problem(await patch(), 409, 'accessLevel')).code, 'assessment_required');
    assert.equal((await server.api('POST', '/api/datasets/alice/corpus/assessment/submit', { token: tokens.alice, json: { ...COMPLETE, accessLevel: 'reviewed' } })).status, 201);
    assert.equal((await patch()).status, 200);
    const report = (await (await server.api('GET', '/api/datasets/alice/corpus/transparency')).json()) as { repository: { type: string; accessLevel: string }; assessmentVersions: unknown[] };
    assert.deepEqual([report.repository.type, report.repository.accessLevel, report.assessmentVersions.length], ['dataset', 'reviewed', 1]);
    assert.equal((await getPage(server, '/datasets/alice/corpus/transparency')).status, 200);
    assert.equal((await getPage(server, '/datasets/alice/corpus/assessment')).status, 200);
    assert.equal((await getPage(server, '/alice/corpus/transparency')).status, 404, 'a dataset is not a model');
  });

  async function repoId(name: string) {
    const { findRepository } = await import('../repos/repos.repository.ts');
    const [ns, n] = name.split('/') as [string, string];
    return (await findRepository(server.runtime.deps.db, 'model', ns, n))!.id;
  }
});
