import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { evidenceLines, evidenceUrl, nextStatus, parseRepoId, REPORT_STATUSES, TRIAGE_ACTIONS } from './misuse.models.ts';

describe('evidence links', () => {
  it('accepts only absolute http and https addresses with a host, whatever is typed', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => {
      const url = evidenceUrl(text);
      if (url === null) return;
      const parsed = new URL(url);
      assert.ok(parsed.protocol === 'http:' || parsed.protocol === 'https:');
      assert.notEqual(parsed.hostname, '');
    }));
  });

  it('accepts every web URL that fast-check generates, unchanged in meaning', () => {
    fc.assert(fc.property(fc.webUrl({ validSchemes: ['http', 'https'] }), (url) => {
      const accepted = evidenceUrl(url);
      assert.notEqual(accepted, null, url);
      assert.equal(accepted, new URL(url).href);
    }));
  });

  it('refuses script, data and relative links, and links carrying credentials', () => {
    for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<b>x</b>', '/relative/path', 'forum.example/post', 'https://user:pw@forum.example/', 'https://forum.example/a b', '']) {
      assert.equal(evidenceUrl(bad), null, bad);
    }
  });

  it('reads the form box one link per line, ignoring blank lines and surrounding spaces', () => {
    fc.assert(fc.property(fc.array(fc.webUrl(), { maxLength: 5 }), (urls) => {
      const box = urls.map((u) => `  ${u}  `).join('\r\n\n');
      assert.deepEqual(evidenceLines(box), urls);
    }));
  });
});

describe('report lifecycle', () => {
  it('takes no step once dismissed or resolved, and every step on an open report leads somewhere', () => {
    for (const status of REPORT_STATUSES) {
      for (const action of TRIAGE_ACTIONS) {
        const next = nextStatus(status, action);
        if (status === 'dismissed' || status === 'resolved') assert.equal(next, null);
        else assert.ok(next !== null && next !== 'open');
      }
    }
    assert.equal(nextStatus('open', 'block'), 'resolved');
    assert.equal(nextStatus('acknowledged', 'dismiss'), 'dismissed');
  });

  it('parses owner/name and nothing else', () => {
    assert.deepEqual(parseRepoId(' pub/model '), { namespace: 'pub', name: 'model' });
    for (const bad of ['pub', 'pub/model/extra', '/model', 'pub/', 'a b/c']) assert.equal(parseRepoId(bad), null, bad);
  });
});
