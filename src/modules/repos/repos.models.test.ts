import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { isAppError } from '../../lib/errors.ts';
import { isLfsFile, parseCardFrontMatter, validateFilePath } from './repos.models.ts';

const rejects = (fn: () => unknown, field?: string) => {
  try {
    fn();
  } catch (error) {
    assert.ok(isAppError(error) && error.status === 400, `expected a 400, got ${String(error)}`);
    if (field) assert.equal(error.field, field);
    return error.message;
  }
  assert.fail('expected a rejection');
};

describe('validateFilePath', () => {
  it('accepts nested paths with spaces and non-ASCII names', () => {
    assert.equal(validateFilePath('weights/model shard é.safetensors'), 'weights/model shard é.safetensors');
  });

  it('refuses traversal, absolute paths, NUL bytes, backslashes and .git', () => {
    for (const bad of ['../x', 'a/../b', '/etc/passwd', 'a\u0000b', 'a\\b', '.git/config', 'a//b', 'a/', '', './a']) rejects(() => validateFilePath(bad, 'path'), 'path');
  });

  it('refuses names longer than 1024 bytes and says why', () => {
    assert.match(rejects(() => validateFilePath('a'.repeat(1025)))!, /1024 bytes/);
  });

  it('either accepts a path that stays inside the repository or rejects it with a 400 (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (raw) => {
        try {
          const p = validateFilePath(raw);
          assert.ok(!p.startsWith('/') && !p.split('/').includes('..') && !p.includes('\u0000'));
        } catch (error) {
          assert.ok(isAppError(error) && error.status === 400);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('isLfsFile', () => {
  it('treats weights and large files as LFS and small text as plain git', () => {
    assert.equal(isLfsFile('model.safetensors', 10), true);
    assert.equal(isLfsFile('config.json', 100), false);
    assert.equal(isLfsFile('big.txt', 10 * 1024 * 1024), true);
  });
});

describe('parseCardFrontMatter', () => {
  it('parses YAML metadata and returns the markdown body', () => {
    const { metadata, body } = parseCardFrontMatter('---\nlicense: mit\ntags:\n  - a\n---\n# Title\n');
    assert.deepEqual(metadata, { license: 'mit', tags: ['a'] });
    assert.equal(body, '# Title\n');
  });

  it('treats a card without front matter as having no metadata', () => {
    assert.deepEqual(parseCardFrontMatter('# Just text').metadata, {});
  });

  it('refuses broken YAML and names the line at fault', () => {
    const message = rejects(() => parseCardFrontMatter('---\nlicense: mit\ntags: [a, b\nother: x\n---\n'));
    assert.match(message!, /line \d+/);
  });

  it('refuses front matter that is not a mapping', () => {
    rejects(() => parseCardFrontMatter('---\n- a\n- b\n---\n'));
  });

  it('refuses an alias bomb and an alias without an anchor as a broken card, not a crash', () => {
    const bomb = '---\na: &a ["x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n---\n';
    assert.match(rejects(() => parseCardFrontMatter(bomb), 'README.md')!, /alias/i);
    assert.match(rejects(() => parseCardFrontMatter('---\na: *nowhere\n---\n# Card\n'), 'README.md')!, /alias/i);
  });

  it('reads back any metadata mapping and body it is given (property)', () => {
    const key = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((k) => k !== '__proto__');
    const metadata = fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown), { maxKeys: 6 });
    const body = fc.string({ unit: 'grapheme', maxLength: 80 }).filter((b) => !b.startsWith('---'));
    fc.assert(
      fc.property(metadata, body, (meta, text) => {
        const card = `---\n${Object.keys(meta).length ? stringify(meta) : ''}---\n${text}`;
        const parsed = parseCardFrontMatter(card);
        assert.deepEqual(parsed.metadata, { ...meta });
        assert.equal(parsed.body, text);
      }),
      { numRuns: 1000 },
    );
  });

  it('either reads a card or refuses it with a 400 naming README.md, whatever the front matter (property)', () => {
    const yamlish = fc.string({ unit: fc.constantFrom('a', ':', ' ', '\n', '-', '&a', '*a', '*b', '&b', '[', ']', '{', '}', ',', '!!', 'str', '?', '|', '>', '"', "'", '#', '<<', '%', '@', '\t', '\u0000', 'é'), maxLength: 60 });
    const card = fc.oneof(yamlish.map((y) => `---\n${y}\n---\nbody`), fc.string({ unit: 'binary', maxLength: 100 }), yamlish);
    fc.assert(
      fc.property(card, (text) => {
        try {
          const { metadata } = parseCardFrontMatter(text);
          assert.ok(metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata));
        } catch (error) {
          assert.ok(isAppError(error) && error.status === 400 && error.field === 'README.md', `${JSON.stringify(text)}: ${String(error)}`);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
