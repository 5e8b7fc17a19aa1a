import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * A `fetch` for the @huggingface/hub client that checks every answer the server gives it: none may
 * carry a Xet header or content type, which would switch the client to the Xet protocol.
 * It counts the responses it checked, so a test can show the check ran.
 */
export function xetCheckingFetch() {
  let checked = 0;
  const checkedFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    assertNoXet(response);
    checked++;
    return response;
  };
  return { fetch: checkedFetch, checked: () => checked };
}

export function assertNoXet(response: Response) {
  for (const [name, value] of response.headers) {
    assert.ok(!name.toLowerCase().startsWith('x-xet-'), `${response.url} answered with the Xet header ${name}`);
    assert.ok(!(name.toLowerCase() === 'link' && /xet/i.test(value)), `${response.url} answered with a Xet link: ${value}`);
  }
  assert.ok(!/xet/i.test(response.headers.get('content-type') ?? ''), `${response.url} answered with a Xet content type`);
}

/** A fresh directory under the system temp dir, removed by the returned function. */
export async function tempDir(prefix: string) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** Runs `fn` and returns the error it throws (failing when it does not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<Error & { statusCode?: number; data?: Record<string, unknown> }> {
  try {
    await fn();
  } catch (error) {
    return error as Error & { statusCode?: number };
  }
  return assert.fail('expected the call to fail');
}
