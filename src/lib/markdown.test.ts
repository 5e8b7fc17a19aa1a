import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { renderMarkdown } from './markdown.ts';

/**
 * How a browser would resolve an attribute URL on one of our pages: tabs and newlines are dropped
 * and leading spaces trimmed (as the URL parser does), then it is resolved against the page.
 */
function resolvedProtocol(value: string): string {
  const cleaned = value.replace(/&amp;/g, '&').replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+/, '');
  return new URL(cleaned, 'https://airlock.test/alice/model').protocol;
}

/** Every tag and attribute in the output, read from sanitize-html's always double-quoted markup. */
function elementsOf(html: string) {
  const elements: { tag: string; attributes: Record<string, string> }[] = [];
  for (const match of html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)) {
    const attributes: Record<string, string> = {};
    for (const attr of match[2]!.matchAll(/\s([^\s=/>]+)(?:="([^"]*)")?/g)) attributes[attr[1]!.toLowerCase()] = attr[2] ?? '';
    elements.push({ tag: match[1]!.toLowerCase(), attributes });
  }
  return elements;
}

/** The invariants a sanitised card must hold whatever its source. */
function assertHarmless(html: string) {
  for (const { tag, attributes } of elementsOf(html)) {
    assert.ok(!['script', 'style', 'iframe', 'object', 'embed', 'form', 'input', 'svg', 'math', 'base', 'meta', 'link'].includes(tag), `tag <${tag}> survived in ${html}`);
    for (const [name, value] of Object.entries(attributes)) {
      assert.ok(!name.startsWith('on'), `event handler ${name} survived in ${html}`);
      assert.ok(name !== 'style' && name !== 'class' && name !== 'srcset', `attribute ${name} survived in ${html}`);
      if (name === 'href' || name === 'src') {
        assert.ok(['https:', 'http:', 'mailto:'].includes(resolvedProtocol(value)), `URL ${value} survived in ${html}`);
        assert.doesNotMatch(value, /^\s*[a-z][a-z0-9+.-]*\s*script:/i, `URL ${value} survived in ${html}`);
      }
    }
  }
}

describe('renderMarkdown', () => {
  it('renders headings, emphasis, lists, code and tables', () => {
    const html = renderMarkdown('# Title\n\nSome *emphasis* and `code`.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n');
    assert.match(html, /<h1>Title<\/h1>/);
    assert.match(html, /<em>emphasis<\/em>/);
    assert.match(html, /<code>code<\/code>/);
    assert.match(html, /<li>two<\/li>/);
    assert.match(html, /<td>2<\/td>/);
  });

  it('removes script and style blocks together with their content', () => {
    const html = renderMarkdown('before\n\n<script>alert("xss")</script>\n\n<style>body { display: none }</style>\n\nafter');
    assert.doesNotMatch(html, /script|alert|style|display/);
    assert.match(html, /before/);
    assert.match(html, /after/);
  });

  it('strips event handlers such as img onerror but keeps the image', () => {
    const html = renderMarkdown('<img src="https://example.org/a.png" onerror="alert(1)" alt="figure">');
    assert.doesNotMatch(html, /onerror|alert/);
    assert.match(html, /<img src="https:\/\/example.org\/a.png" alt="figure" \/>/);
  });

  it('neutralises javascript: links however they are spelled', () => {
    const payloads = [
      '[click](javascript:alert(1))',
      '<a href="javascript:alert(1)">click</a>',
      '<a href="JaVaScRiPt:alert(1)">click</a>',
      '<a href=" javascript:alert(1)">click</a>',
      '<a href="java&#x09;script:alert(1)">click</a>',
      '<a href="&#106;avascript:alert(1)">click</a>',
      '[click](<javascript:alert(1)>)',
    ];
    for (const payload of payloads) {
      const html = renderMarkdown(payload, { relativeBase: '/alice/model/resolve/main/' });
      assertHarmless(html);
      assert.doesNotMatch(html, /href="[^"]*script/i, payload);
    }
  });

  it('drops iframes, forms, svg handlers, data: images and protocol-relative URLs', () => {
    const html = renderMarkdown([
      '<iframe src="https://evil.example"></iframe>', '<form action="/logout"><button>x</button></form>', '<svg onload="alert(1)"></svg>',
      'An image: ![d](data:image/png;base64,AAAA)', 'Another: <img src="//evil.example/x.png">',
    ].join('\n\n'));
    assertHarmless(html);
    assert.doesNotMatch(html, /iframe|form|svg|data:|evil/);
    assert.match(html, /An image: <img alt="d" \/>/);
  });

  it('drops inline styles and classes, which the CSP forbids and which could mimic our UI', () => {
    const html = renderMarkdown('<div style="position:fixed" class="notice">text</div>');
    assert.equal(html.trim(), '<div>text</div>');
  });

  it('keeps http, https and mailto links and marks them nofollow', () => {
    const html = renderMarkdown('[a](https://example.org) [b](http://example.org) [c](mailto:x@example.org)');
    assert.match(html, /<a href="https:\/\/example.org" rel="nofollow noopener noreferrer">a<\/a>/);
    assert.match(html, /href="http:\/\/example.org"/);
    assert.match(html, /href="mailto:x@example.org"/);
  });

  it('points relative links and images at the repository files', () => {
    const html = renderMarkdown('![fig](figure.png) [cfg](./config.json) [up](../x) [top](#usage)', { relativeBase: '/alice/m/resolve/main/' });
    assert.match(html, /src="\/alice\/m\/resolve\/main\/figure.png"/);
    assert.match(html, /href="\/alice\/m\/resolve\/main\/config.json"/);
    assert.match(html, /href="#usage"/);
    assert.doesNotMatch(html, /resolve\/main\/\.\./);
  });

  it('never lets dangerous markup through, whatever the mix of fragments (property)', () => {
    const fragments = [
      '<script>', '</script>', '<img src=x onerror=alert(1)>', '<a href="javascript:alert(1)">', '</a>', 'javascript:', '[x](', ')',
      '<svg onload=alert(1)>', '<iframe src=https://e>', '<style>', '"', "'", '>', '<', '&#106;', '\t', '\n\n', '# ', '`', 'onmouseover=', ' ',
      '<div style="a">', '<a href=" java\tscript:x">', '![i](', 'data:text/html,', '<!--', '-->', '<![CDATA[', ']]>',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 25 }), fc.boolean(), (parts, rebase) => {
        assertHarmless(renderMarkdown(parts.join(''), rebase ? { relativeBase: '/a/b/resolve/main/' } : {}));
      }),
      { numRuns: 400 },
    );
  });
});
