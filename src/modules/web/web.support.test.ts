import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, safeNextPath } from './web.support.ts';

describe('safeNextPath', () => {
  it('keeps a local path with its query and fragment', () => {
    assert.equal(safeNextPath('/settings/tokens?x=1#top'), '/settings/tokens?x=1#top');
    assert.equal(safeNextPath('/alice/gpt2.5'), '/alice/gpt2.5');
  });

  it('falls back to the catalogue for anything that could leave the site', () => {
    for (const next of ['//evil.example', 'https://evil.example/', 'http:evil.example', '/\\evil.example', '\\\\evil.example', '/.//evil.example', '/%0d%0a', ' //evil.example', 'javascript:alert(1)', '/\tx', '', undefined, null]) {
      const result = safeNextPath(next);
      assert.ok(result.startsWith('/') && !result.startsWith('//') && !result.includes('evil.example'), `${String(next)} gave ${result}`);
    }
    assert.equal(safeNextPath('//evil.example'), '/');
    assert.equal(safeNextPath('/.//evil.example'), '/');
    assert.equal(safeNextPath('/\\evil.example'), '/');
  });
});

describe('formatBytes', () => {
  it('shows sizes in powers of 1000 as the Hub does', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(4096), '4.1 kB');
    assert.equal(formatBytes(13_500_000_000), '13.5 GB');
    assert.equal(formatBytes(250_000_000), '250 MB');
  });
});
