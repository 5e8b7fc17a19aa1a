import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { commentView } from './discussions.models.ts';
import { presentComment } from './discussions.presenters.ts';

/** Fragments attackers put into comments, mixed with markdown and text by fast-check. */
const FRAGMENTS = [
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<svg onload=alert(1)>', '<a href="javascript:alert(1)">x</a>',
  '[x](javascript:alert(1))', '[x](JAVASCRIPT:alert(1))', '<iframe src="https://evil.example"></iframe>', '<div style="background:url(x)">',
  '<a href="data:text/html,<script>alert(1)</script>">d</a>', '<details open ontoggle=alert(1)>', '<p onclick="x()">p</p>', '"><script>',
  '`code`', '**bold**', '\n\n', '<', '>', '"', "'", '&', ' ', 'text',
];

describe('comment rendering', () => {
  it('never lets a script, an event handler, an inline style or a script URL through, whatever is typed', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 10 })), { maxLength: 12 }), (parts) => {
      const body = parts.join('');
      const { html } = presentComment({ id: 'c', author: 'eve', createdAt: new Date(0), hidden: null, body, hiddenBody: null });
      assert.doesNotMatch(html!, /<(script|iframe|svg|style|object|embed)\b/i, body);
      assert.doesNotMatch(html!, /<[^>]+\son[a-z]+\s*=/i, body);
      assert.doesNotMatch(html!, /<[^>]+\sstyle\s*=/i, body);
      // Inside a tag only: escaped text such as `&lt;a href="javascript:…"&gt;` is inert, and is what a script URL typed as text should become.
      assert.doesNotMatch(html!, /<[a-z][^>]*\s(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):/i, body);
    }), { numRuns: 300 });
  });

  it("withholds a hidden comment's text from the API as well as the page, keeping who hid it and why", () => {
    const row = { id: 'c', body: 'Buy followers at spam.example', createdAt: new Date(0), hiddenAt: new Date(1), hiddenReason: 'Spam' };
    const view = presentComment(commentView(row, 'eve', 'mod'));
    assert.deepEqual([view.body, view.html, view.hidden?.by, view.hidden?.reason, view.author], [null, null, 'mod', 'Spam', 'eve']);
    assert.equal(presentComment(commentView({ ...row, hiddenAt: null, hiddenReason: null }, 'eve', null)).body, row.body);
  });
});
