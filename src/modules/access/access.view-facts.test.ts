import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRepo, startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { findRepository, type RepositoryRow } from '../repos/repos.repository.ts';
import { findUserByUsername } from '../users/users.repository.ts';
import type { Actor } from './actor.ts';
import { toActorUser } from './actor.ts';
import { filterViewable, loadRepoFacts, loadViewFacts } from './access.gate.ts';
import { authorize } from './access.policies.ts';

/**
 * Listings load the facts of a whole page at once; a direct read loads them one repository at a
 * time. Both must reach the same `repo.view` decision for every actor and repository, or a listing
 * could show what opening the repository refuses (or hide what it allows).
 */
describe('the facts a listing loads for many repositories at once', () => {
  let server: TestServer;
  let repos: RepositoryRow[];
  const actors: Array<{ name: string; actor: Actor }> = [];

  before(async () => {
    server = await startTestServer();
    for (const name of ['lab', 'rita', 'pam', 'vic', 'mia', 'nobody']) await server.createUser(name);
    await server.createUser('stella', { platformRoles: ['moderator'] });
    await server.createOrg('acme', 'lab', { mia: 'read' });
    const lab = await server.createToken('lab');
    const specs: Array<[string, { accessLevel?: string; private?: boolean }]> = [
      ['lab/open', {}], ['lab/hidden', { private: true }], ['lab/reviewed', { accessLevel: 'reviewed' }], ['lab/signed', { accessLevel: 'agreement' }],
      ['acme/hidden', { private: true }], ['acme/reviewed', { accessLevel: 'reviewed' }], ['acme/hidden-reviewed', { accessLevel: 'reviewed', private: true }],
    ];
    for (const [id, options] of specs) await createRepo(server, lab, id, options);
    const post = async (url: string, token: string, json: unknown, status: number) => {
      const res = await server.api('POST', url, { token, json });
      assert.equal(res.status, status, `${url}: ${await res.text()}`);
    };
    // rita holds grants; vic's grant was revoked; pam's application waits for review.
    await post('/api/models/lab/reviewed/grants', lab, { user: 'rita' }, 201);
    await post('/api/models/acme/hidden-reviewed/grants', lab, { user: 'rita' }, 201);
    await post('/api/models/lab/reviewed/grants', lab, { user: 'vic' }, 201);
    await post('/api/models/lab/reviewed/grants/revoke', lab, { user: 'vic', reason: 'Shared the weights with a colleague outside the study.' }, 200);
    await post('/api/models/lab/reviewed/access-requests', await server.createToken('pam'), { purpose: 'We measure memorisation of rare sequences and publish aggregate rates only.' }, 201);

    const { db } = server.runtime.deps;
    repos = await Promise.all(specs.map(([id]) => findRepository(db, 'model', id.split('/')[0]!, id.split('/')[1]!).then((r) => r!)));
    actors.push({ name: 'anonymous', actor: { kind: 'anonymous' } });
    for (const name of ['lab', 'rita', 'pam', 'vic', 'mia', 'nobody', 'stella']) {
      actors.push({ name, actor: { kind: 'user', user: toActorUser((await findUserByUsername(db, name))!), via: 'session' } });
    }
  });
  after(() => server.close());

  it('gives each repository the role, grant and waiting request that loading it alone gives', async () => {
    const { db } = server.runtime.deps;
    const now = new Date();
    for (const { name, actor } of actors) {
      const many = await loadViewFacts(db, actor, repos, now);
      for (const [i, repo] of repos.entries()) {
        const one = await loadRepoFacts(db, actor, repo, now);
        const pick = (f: typeof one) => ({ role: f.role, hasActiveGrant: f.hasActiveGrant, hasPendingRequest: f.hasPendingRequest });
        assert.deepEqual(pick(many[i]!), pick(one), `${name} on ${repo.namespace}/${repo.name}`);
      }
    }
  });

  it('keeps exactly the repositories that the view policy allows one by one', async () => {
    const { db } = server.runtime.deps;
    const now = new Date();
    const seen = new Map<string, string[]>();
    for (const { name, actor } of actors) {
      const listed = (await filterViewable(db, actor, repos, now)).map((r) => `${r.namespace}/${r.name}`);
      const direct: string[] = [];
      for (const repo of repos) {
        if (authorize(actor, { type: 'repo.view', facts: await loadRepoFacts(db, actor, repo, now) }).allowed) direct.push(`${repo.namespace}/${repo.name}`);
      }
      assert.deepEqual(listed, direct, name);
      seen.set(name, listed);
    }
    // The fixture must exercise both answers, or the comparison above proves nothing.
    assert.deepEqual(seen.get('anonymous'), ['lab/open', 'lab/reviewed', 'lab/signed', 'acme/reviewed']);
    assert.deepEqual(seen.get('mia'), ['lab/open', 'lab/reviewed', 'lab/signed', 'acme/hidden', 'acme/reviewed', 'acme/hidden-reviewed']);
    assert.equal(seen.get('stella')!.length, repos.length);
  });

  it('answers a page that repeats repositories with one fact per entry, in order', async () => {
    const { db } = server.runtime.deps;
    const rita = actors.find((a) => a.name === 'rita')!.actor;
    const page = Array.from({ length: 50 }, (_, i) => repos[i % repos.length]!);
    const facts = await loadViewFacts(db, rita, page, new Date());
    assert.equal(facts.length, 50);
    const grantedTo = new Set(['lab/reviewed', 'acme/hidden-reviewed']);
    for (const [i, repo] of page.entries()) {
      assert.equal(facts[i]!.repo, repo);
      assert.equal(facts[i]!.hasActiveGrant, grantedTo.has(`${repo.namespace}/${repo.name}`), `${repo.namespace}/${repo.name}`);
    }
  });
});
