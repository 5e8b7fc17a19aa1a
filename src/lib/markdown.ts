import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/** HTML that went through `renderMarkdown`'s sanitizer; the only kind a page may inject raw. */
export type SanitizedHtml = string & { readonly __sanitized: true };

// Cards written for the Hub often carry raw HTML (badges, <details>), so markdown-it lets it
// through and the sanitizer below is the one line of defence: it must stay strict.
const markdown = new MarkdownIt({ html: true, linkify: true, typographer: false });

const ALLOWED_TAGS = [
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code', 'kbd', 'samp',
  'em', 'strong', 'b', 'i', 'u', 's', 'del', 'ins', 'mark', 'sub', 'sup', 'small', 'abbr',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'a', 'img', 'details', 'summary', 'span', 'div',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption',
];

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  // No `style` (the CSP forbids inline styles), no `class` (cards must not borrow our UI's look),
  // and no event handlers: anything not listed is dropped.
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    abbr: ['title'],
    ol: ['start'],
    th: ['colspan', 'rowspan'],
    td: ['colspan', 'rowspan'],
    code: [],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  // Script, style and the like lose their content too, not only their tags.
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed', 'template', 'svg', 'math'],
  transformTags: {
    // A card is third-party content: its links must not pass our referrer or gain our page's trust.
    a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener noreferrer' }),
  },
};

export interface RenderOptions {
  /**
   * Where relative links and images point (for a card: the repository's `resolve/main/` URL),
   * so `![](figure.png)` shows the repository's own file. Must end with `/`.
   */
  relativeBase?: string;
}

/** Renders untrusted markdown (a model card) to HTML that is safe to put into our pages. */
export function renderMarkdown(source: string, options: RenderOptions = {}): SanitizedHtml {
  const rendered = markdown.render(source);
  const transformTags = { ...SANITIZE_OPTIONS.transformTags };
  if (options.relativeBase) {
    const base = options.relativeBase;
    transformTags.a = (tagName, attribs) => ({ tagName, attribs: { ...withBase(attribs, 'href', base), rel: 'nofollow noopener noreferrer' } });
    transformTags.img = (tagName, attribs) => ({ tagName, attribs: withBase(attribs, 'src', base) });
  }
  return sanitizeHtml(rendered, { ...SANITIZE_OPTIONS, transformTags }) as SanitizedHtml;
}

/**
 * Prefixes a plain relative path (`figure.png`, `docs/a.md`) with `base`. Anything else (a scheme,
 * a leading `/`, `#` or `?`, whitespace or control characters, `..`) is left alone for the
 * sanitizer's own scheme check, so rebasing can never turn a refused URL into an accepted one.
 */
function withBase(attribs: sanitizeHtml.Attributes, name: string, base: string): sanitizeHtml.Attributes {
  const value = attribs[name];
  if (!value || !/^(?:\.\/)?[^\s\x00-\x1f\x7f/#?\\:][^\s\x00-\x1f\x7f\\:]*$/.test(value)) return attribs;
  const cleaned = value.replace(/^\.\//, '');
  if (cleaned.split(/[/?#]/).includes('..')) return attribs;
  return { ...attribs, [name]: base + cleaned };
}
