import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseRange, parseResolvePath } from './hub.models.ts';

describe('parseRange', () => {
  it('serves the whole file when there is no Range header', () => {
    assert.deepEqual(parseRange(undefined, 10), { kind: 'full' });
  });

  it('answers bytes=0-0 with the first byte', () => {
    assert.deepEqual(parseRange('bytes=0-0', 10), { kind: 'partial', range: { start: 0, end: 0 } });
  });

  it('answers an open-ended range up to the last byte', () => {
    assert.deepEqual(parseRange('bytes=4-', 10), { kind: 'partial', range: { start: 4, end: 9 } });
  });

  it('answers a suffix range with the last bytes', () => {
    assert.deepEqual(parseRange('bytes=-3', 10), { kind: 'partial', range: { start: 7, end: 9 } });
  });

  it('clamps an end beyond the file to its last byte', () => {
    assert.deepEqual(parseRange('bytes=2-999', 10), { kind: 'partial', range: { start: 2, end: 9 } });
  });

  it('refuses a start at or beyond the end of the file', () => {
    assert.deepEqual(parseRange('bytes=10-', 10), { kind: 'unsatisfiable' });
    assert.deepEqual(parseRange('bytes=0-0', 0), { kind: 'unsatisfiable' });
  });

  it('ignores other units, several ranges and an empty header, and serves the whole file', () => {
    for (const header of ['items=0-1', 'bytes=0-1,3-4', 'bytes = 0-1 , 5-', '', '  ']) assert.deepEqual(parseRange(header, 10), { kind: 'full' }, header);
  });

  it('calls a byte range that does not parse malformed, so the client hears of its bug', () => {
    for (const header of ['bytes=a-b', 'bytes=5-3', 'bytes=', 'bytes=-', 'bytes=--1', 'bytes=0x10-', 'bytes', '=0-1', 'bytes=0-1,x']) {
      assert.deepEqual(parseRange(header, 10), { kind: 'malformed' }, header);
    }
  });

  it('reads back any range it could be sent, written as clients write it (property)', () => {
    const header = fc.record({
      size: fc.integer({ min: 1, max: 2 ** 40 }),
      a: fc.nat({ max: 2 ** 40 }),
      b: fc.nat({ max: 2 ** 40 }),
      unit: fc.constantFrom('bytes', 'Bytes', 'BYTES'),
      space: fc.constantFrom('', ' ', '\t'),
    });
    fc.assert(
      fc.property(header, ({ size, a, b, unit, space }) => {
        const start = a % size;
        const end = start + (b % (size - start));
        assert.deepEqual(parseRange(`${space}${unit}${space}=${space}${start}${space}-${space}${end}${space}`, size), { kind: 'partial', range: { start, end } });
        // An open end runs to the last byte; a suffix is the last N bytes, or the whole file when N is larger.
        assert.deepEqual(parseRange(`${unit}=${start}-`, size), { kind: 'partial', range: { start, end: size - 1 } });
        const suffix = b + 1;
        assert.deepEqual(parseRange(`${unit}=-${suffix}`, size), { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } });
      }),
      { numRuns: 2000 },
    );
  });

  it('never returns a range outside the file, whatever the header (property)', () => {
    const header = fc.oneof(
      fc.string(),
      fc.tuple(fc.option(fc.nat({ max: 2 ** 40 })), fc.option(fc.nat({ max: 2 ** 40 }))).map(([a, b]) => `bytes=${a ?? ''}-${b ?? ''}`),
    );
    fc.assert(
      fc.property(header, fc.nat({ max: 2 ** 40 }), (h, size) => {
        const result = parseRange(h, size);
        if (result.kind === 'partial') {
          assert.ok(result.range.start >= 0 && result.range.start <= result.range.end && result.range.end < size);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('parseResolvePath', () => {
  it('keeps an encoded slash inside the revision', () => {
    assert.deepEqual(parseResolvePath('/org/model/resolve/refs%2Fpr%2F1/config.json'), { type: 'model', namespace: 'org', name: 'model', revision: 'refs/pr/1', filePath: 'config.json' });
  });

  it('reads dataset paths and nested, encoded file names', () => {
    assert.deepEqual(parseResolvePath('/datasets/org/data/resolve/main/a%20b/%C3%A9.txt'), { type: 'dataset', namespace: 'org', name: 'data', revision: 'main', filePath: 'a b/é.txt' });
  });

  it('rejects paths that are not resolve URLs or are malformed', () => {
    for (const p of ['/org/model/blob/main/x', '/org/model/resolve/main', '/org/model/resolve/main/%E0%A4%A', '/']) assert.equal(parseResolvePath(p), null, p);
  });

  it('reads back every path it could be sent, with any revision and file name (property)', () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/).filter((n) => n !== 'datasets' && n !== 'models');
    // Any text without lone surrogates (which no URL can carry); a revision may hold a slash (refs/pr/1).
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 });
    const path = fc.record({ type: fc.constantFrom('model' as const, 'dataset' as const), prefix: fc.boolean(), namespace: name, name, revision: text, segments: fc.array(text, { minLength: 1, maxLength: 4 }) });
    fc.assert(
      fc.property(path, ({ type, prefix, namespace, name: repoName, revision, segments }) => {
        const kind = type === 'dataset' ? '/datasets' : prefix ? '/models' : '';
        const url = `${kind}/${namespace}/${repoName}/resolve/${encodeURIComponent(revision)}/${segments.map(encodeURIComponent).join('/')}`;
        assert.deepEqual(parseResolvePath(url), { type, namespace, name: repoName, revision, filePath: segments.join('/') });
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary input (property)', () => {
    fc.assert(fc.property(fc.string(), (s) => { parseResolvePath(`/${s}`); }), { numRuns: 5000 });
  });
});
