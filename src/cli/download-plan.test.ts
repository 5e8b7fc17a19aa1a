import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { includeMatcher, localPathFor, nextLink, rangeMatches } from './download-plan.ts';
import { CliError } from './output.ts';

describe('planning a download', () => {
  it('places repository paths under the download folder', () => {
    assert.equal(localPathFor('/tmp/out', 'a/b c/d.json'), path.resolve('/tmp/out/a/b c/d.json'));
    assert.equal(localPathFor('/tmp/out', 'modèle ü.bin'), path.resolve('/tmp/out/modèle ü.bin'));
  });

  it('refuses every tree path that would escape the download folder', () => {
    for (const bad of ['../evil', 'a/../../evil', '/etc/passwd', 'a//b', './a', 'a/.', 'a\\..\\b', 'C:/Windows/x', '', 'a\nb']) {
      assert.throws(() => localPathFor('/tmp/out', bad), CliError, JSON.stringify(bad));
    }
  });

  it('matches --include globs against file names in any folder, or against whole paths when they contain a slash', () => {
    const match = includeMatcher(['*.json', 'weights/**']);
    assert.ok(match('config.json'));
    assert.ok(match('sub/dir/.hidden.json'));
    assert.ok(match('weights/a/b.bin'));
    assert.ok(!match('README.md'));
    assert.ok(!match('other/weights/a.bin'));
    assert.ok(includeMatcher(['./sub/*.txt'])('sub/a.txt'));
    assert.ok(includeMatcher([])('anything/at/all'));
  });

  it('reads the next page from a Link header', () => {
    assert.equal(nextLink('<http://h/api/models/a/b/tree/x?cursor=1000>; rel="next"'), 'http://h/api/models/a/b/tree/x?cursor=1000');
    assert.equal(nextLink('<http://h/prev>; rel="prev", <http://h/next>; rel=next'), 'http://h/next');
    assert.equal(nextLink(null), null);
    assert.equal(nextLink('<http://h/prev>; rel="prev"'), null);
  });

  it('accepts a resumed answer only when Content-Range continues at the requested byte to the end', () => {
    assert.ok(rangeMatches('bytes 100-199/200', 100, 200));
    assert.ok(!rangeMatches('bytes 0-199/200', 100, 200));
    assert.ok(!rangeMatches('bytes 100-150/200', 100, 200));
    assert.ok(!rangeMatches('bytes 100-199/300', 100, 200));
    assert.ok(!rangeMatches(null, 100, 200));
  });
});
