import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json } from '../../../test/support/applications.ts';
import { createRepo, startTestServer, uploadFiles, type TestServer } from '../../../test/support/test-server.ts';
import { getPage, postForm, signIn } from '../../../test/support/web-client.ts';

const REPO = 'lab/signed-lm';
const V1 = 'Version 1: research use only; never redistribute the weights.';
const V2 = 'Version 2: research use only; never redistribute the weights; report any misuse within a week.';

describe('signing a new agreement version in the browser', () => {
  let server: TestServer;
  const cookie: Record<string, string> = {};
  const t: Record<string, string> = {};
  const download = () => server.api('GET', `/${REPO}/resolve/main/weights.bin`, { token: t.rita });
  const current = async () => json<{ id: string; version: number; textSha256: string }>(await server.api('GET', `/api/models/${REPO}/agreement`), 200);

  before(async () => {
    server = await startTestServer();
    for (const name of ['lab', 'rita']) {
      const user = await server.createUser(name);
      cookie[name] = await signIn(server, name, user.password);
      t[name] = await server.createToken(name);
    }
    await createRepo(server, t.lab!, REPO, { accessLevel: 'reviewed' });
    await uploadFiles(server, t.lab!, REPO, { 'README.md': '# Signed LM\n', 'weights.bin': 'weights' });
    await json(await server.api('PUT', `/api/models/${REPO}/agreement`, { token: t.lab!, json: { title: 'Lab terms', text: V1 } }), 201);
    await json(await server.api('POST', `/api/models/${REPO}/user-access-request/grant`, { token: t.lab!, json: { user: 'rita' } }), 200);
    const { id } = await current();
    await json(await server.api('POST', `/api/agreements/${id}/signatures`, { token: t.rita!, json: { version: 1, signedName: 'rita Example' } }), 201);
  });
  after(() => server.close());

  it('lets the publisher publish a new version from the access settings page, and refuses anyone else', async () => {
    assert.equal((await download()).status, 200);
    const page = await (await getPage(server, `/${REPO}/settings/access`, { cookie: cookie.lab })).text();
    assert.match(page, /Version 1 is in force/);
    assert.equal((await postForm(server, `/${REPO}/settings/access/agreement`, { title: 'Lab terms', text: V2 }, { cookie: cookie.rita })).status, 403);
    const short = await postForm(server, `/${REPO}/settings/access/agreement`, { title: 'Lab terms', text: 'too short' }, { cookie: cookie.lab });
    assert.equal(short.status, 400);
    assert.match(await short.text(), /id="text-error"/);
    assert.equal((await postForm(server, `/${REPO}/settings/access/agreement`, { title: 'Lab terms', text: V2 }, { cookie: cookie.lab })).status, 303);
    assert.equal((await current()).version, 2);
  });

  it("stops the granted user's downloads, naming the page where they sign", async () => {
    const refused = await download();
    assert.equal(refused.status, 403);
    const { error } = (await refused.json()) as { error: string };
    assert.ok(error.includes(`version 2, which you have not signed. Read and sign it at ${server.url}/${REPO}/agreement`), error);
  });

  it('offers the signing on the repository page, with the text and a form for the typed name', async () => {
    const repoPage = await (await getPage(server, `/${REPO}`, { cookie: cookie.rita })).text();
    assert.match(repoPage, new RegExp(`<a class="button" href="/${REPO}/agreement">Read and sign version 2</a>`));
    const page = await (await getPage(server, `/${REPO}/agreement`, { cookie: cookie.rita })).text();
    assert.match(page, /report any misuse within a week/);
    assert.match(page, new RegExp(`<form method="post" action="/${REPO}/agreement"`));
    assert.match(page, /<button type="submit">Sign version 2<\/button>/);
    assert.match(page, /name="signedName"/);
    assert.ok(page.includes((await current()).textSha256));
  });

  it('keeps a wrong name, an outdated version and a forged form on the page, signing nothing', async () => {
    const { textSha256 } = await current();
    const wrongName = await postForm(server, `/${REPO}/agreement`, { version: '2', textSha256, signedName: 'Somebody Else' }, { cookie: cookie.rita });
    assert.equal(wrongName.status, 400);
    const html = await wrongName.text();
    assert.match(html, /id="signedName-error">Type your full name exactly as in your profile/);
    assert.match(html, /value="Somebody Else"/, 'what was typed is shown again');
    const outdated = await postForm(server, `/${REPO}/agreement`, { version: '1', signedName: 'rita Example' }, { cookie: cookie.rita });
    assert.equal(outdated.status, 409);
    assert.match(await outdated.text(), /Version 1 is not the current text: version 2 is/);
    assert.equal((await postForm(server, `/${REPO}/agreement`, { version: '2', textSha256, signedName: 'rita Example' }, { cookie: cookie.rita, origin: 'https://evil.example' })).status, 403);
    assert.equal((await download()).status, 403);
  });

  it('restores the download once the form signs the new version, recording the exact text', async () => {
    const { textSha256 } = await current();
    const signed = await postForm(server, `/${REPO}/agreement`, { version: '2', textSha256, signedName: 'Rita  example' }, { cookie: cookie.rita });
    assert.equal(signed.status, 303);
    assert.equal(signed.headers.get('location'), `/${REPO}`);
    assert.equal((await download()).status, 200);
    const mine = await json<{ version: number; textSha256: string; signedName: string }[]>(await server.api('GET', '/api/me/signatures', { token: t.rita }), 200);
    assert.deepEqual(mine.map((s) => [s.version, s.textSha256 === textSha256, s.signedName]), [[2, true, 'Rita  example'], [1, false, 'rita Example']]);
    assert.match(await (await getPage(server, `/${REPO}/agreement`, { cookie: cookie.rita })).text(), /You signed version 2 on/);
  });

  it('sends an anonymous visitor to sign in before signing', async () => {
    assert.match(await (await getPage(server, `/${REPO}/agreement`)).text(), /Sign in to sign this agreement/);
    const posted = await postForm(server, `/${REPO}/agreement`, { version: '2', signedName: 'x' });
    assert.equal(posted.status, 303);
    assert.match(posted.headers.get('location') ?? '', /^\/login\?next=/);
  });
});
