import assert from 'node:assert/strict';
import type { TestServer } from './test-server.ts';

/** Helpers for tests of access applications (the API, as a client sees it). */

export type Application = {
  id: string; status: string; round: number; purpose: string | null; fields: Record<string, unknown>; decisionReason: string | null;
  agreement: { id: string; version: number } | null;
  events: { action: string; from: string | null; to: string; by: string; comment: string | null; at: string }[];
  votes?: { reviewer: string; round: number; decision: string }[];
  you?: { recused: boolean; voted: boolean };
};

export type Problem = { code: string; field?: string; error: string; status: number };

/** The body after checking the status, with the body in the failure message. */
export async function json<T = Application>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Expects a problem with `status` and `code` (and `field`, if given). */
export async function problem(response: Response, status: number, code: string, field?: string): Promise<Problem> {
  const body = await json<Problem>(response, status);
  assert.equal(body.code, code, body.error);
  if (field !== undefined) assert.equal(body.field, field, body.error);
  return body;
}

export function applicationApi(server: TestServer, repo: string) {
  const base = `/api/models/${repo}`;
  return {
    apply: (token: string, body: unknown) => server.api('POST', `${base}/access-requests`, { token, json: body }),
    setPolicy: (token: string, body: unknown) => server.api('PUT', `${base}/access-policy`, { token, json: body }),
    policy: (token?: string) => server.api('GET', `${base}/access-policy`, { token }),
    addReviewer: (token: string, username: string) => server.api('PUT', `${base}/reviewers/${username}`, { token }),
    removeReviewer: (token: string, username: string) => server.api('DELETE', `${base}/reviewers/${username}`, { token }),
    reviewers: (token?: string) => server.api('GET', `${base}/reviewers`, { token }),
    vote: (token: string, id: string, decision: string, comment?: string) => server.api('POST', `/api/access-requests/${id}/votes`, { token, json: { decision, ...(comment ? { comment } : {}) } }),
    conflict: (token: string, id: string, reason: string) => server.api('POST', `/api/access-requests/${id}/conflicts`, { token, json: { reason } }),
    comment: (token: string, id: string, text: string) => server.api('POST', `/api/access-requests/${id}/comments`, { token, json: { text } }),
    get: (token: string, id: string) => server.api('GET', `/api/access-requests/${id}`, { token }),
    edit: (token: string, id: string, body: unknown) => server.api('PUT', `/api/access-requests/${id}`, { token, json: body }),
    submit: (token: string, id: string) => server.api('POST', `/api/access-requests/${id}/submit`, { token }),
    withdraw: (token: string, id: string) => server.api('POST', `/api/access-requests/${id}/withdraw`, { token }),
    mine: async (token: string) => json<Application[]>(await server.api('GET', '/api/me/access-requests', { token }), 200),
    queue: async (token: string) => json<{ id: string; recused: boolean; voted: boolean; repository: { id: string } }[]>(await server.api('GET', '/api/review/queue', { token }), 200),
    notifications: async (token: string) => json<{ subject: string; body: string; link: string | null }[]>(await server.api('GET', '/api/me/notifications', { token }), 200),
  };
}

export const STATEMENT = 'We study memorisation of personal data in clinical language models and will report aggregate extraction rates only.';
