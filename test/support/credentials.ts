import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { TestServer } from './test-server.ts';
import type { ReceivedMail } from './smtp-sink.ts';

/** A complete researcher profile and application, for tests of the credential workflow. */
export const PROFILE = {
  fullName: 'Rita Example', institution: 'University of Testing', jobTitle: 'Postdoctoral researcher',
  category: 'postdoc', country: 'DE', orcid: '0000-0002-1825-0097', website: null,
};

export const SUMMARY =
  'I study how large language models memorise and regurgitate personal data from clinical notes. ' +
  'With credentialed access I will measure extraction rates under controlled prompts, report aggregate results only, ' +
  'and never redistribute weights or outputs that contain personal information.';

export const REFERENCE = { name: 'Ruth Reference', email: 'ruth@uni.example.edu', relationship: 'My doctoral supervisor, 2019 to 2023' };

/** The response body after checking the status, with the body in the failure message. */
export async function expectJson<T = Record<string, unknown>>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Fills in the profile and saves a complete draft application. */
export async function prepareApplication(server: TestServer, token: string, overrides: { reference?: Partial<typeof REFERENCE>; researchSummary?: string } = {}) {
  await expectJson(await server.api('PUT', '/api/me/profile', { token, json: PROFILE }), 200);
  const body = { researchSummary: overrides.researchSummary ?? SUMMARY, reference: { ...REFERENCE, ...overrides.reference } };
  const res = await server.api('PUT', '/api/me/credential', { token, json: body });
  assert.ok(res.status === 200 || res.status === 201, `saving the draft failed: ${res.status}`);
  return ((await res.json()) as { application: { id: string } }).application;
}

export const submit = (server: TestServer, token: string) => server.api('POST', '/api/me/credential/submit', { token });

/** The one-time token in a reference mail's link. */
export function referenceTokenOf(mail: ReceivedMail): string {
  const match = /\/references\/([A-Za-z0-9_-]+)/.exec(mail.text);
  assert.ok(match, `no reference link in: ${mail.text}`);
  return match[1]!;
}

/** Staff act on an application: `identity-check`, `return`, `approve`, `reject` or `revoke`. */
export const staffStep = (server: TestServer, token: string, id: string, step: string, json: unknown = {}) =>
  server.api('POST', `/api/credentials/${id}/${step}`, { token, json });

/** The messages the server wrote to `<data>/mail-outbox/` (no SMTP_URL set), parsed. */
export async function readOutbox(dataDir: string): Promise<(ReceivedMail & { file: string; mode: number })[]> {
  const dir = path.join(dataDir, 'mail-outbox');
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.eml')).sort();
  return Promise.all(names.map(async (name) => {
    const file = path.join(dir, name);
    const parsed = await simpleParser(await fs.readFile(file));
    const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));
    return { file, mode: (await fs.stat(file)).mode & 0o777, from: parsed.from?.value[0]?.address ?? '', to, subject: parsed.subject ?? '', text: parsed.text ?? '' };
  }));
}

/** Waits until the outbox holds `count` messages that match (mail is written after the response). */
export async function waitForOutbox(dataDir: string, match: (mail: ReceivedMail) => boolean, count = 1, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await readOutbox(dataDir)).filter(match);
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error('no matching mail in the outbox');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
