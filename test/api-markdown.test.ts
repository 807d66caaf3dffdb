// The Markdown renderer of descriptions and comments (src/board/markdown.ts),
// fed hostile input: whatever comes out holds only CommonMark's own elements,
// no attribute but a link's href, rel and target, no href whose scheme can run
// script, and every link carries rel="noopener noreferrer".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMarkdown } from '../src/board/markdown.ts';

const ELEMENTS = new Set(['p', 'strong', 'em', 'a', 'code', 'pre', 'ul', 'ol', 'li', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'br']);
const SAFE_HREF = /^(?:https?:|mailto:|#|\?|\/(?![/\\])|\.{1,2}\/|[^:/?#\\]+(?:[/?#]|$))/i;

const HOSTILE = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">x</a>',
  '[x](javascript:alert(1))',
  '[x](JAVASCRIPT:alert(1))',
  '[x](javascript&#58;alert(1))',
  '[x](&#106;avascript:alert(1))',
  '[x](java%0ascript:alert(1))',
  '[x]( javascript:alert(1))',
  '[x](<javascript:alert(1)>)',
  '[x](vbscript:msgbox(1))',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[x](file:///etc/passwd)',
  '[x](//evil.example/)',
  '[x](/\\evil.example/)',
  '![x](javascript:alert(1))',
  '![x](https://tracker.example/pixel.png)',
  '<javascript:alert(1)>',
  '[x]: javascript:alert(1)\n\n[x]',
  '[x](https://ok.example "title\\" onmouseover=\\"alert(1)")',
  '```html\n<script>alert(1)</script>\n```',
  '`<b onclick=alert(1)>`',
  '<style>body{display:none}</style>',
  '<!-- <script>alert(1)</script> -->',
  '<details open ontoggle=alert(1)>',
  '*<b>bold</b>*',
  '> <form action="https://evil.example"><input name=p></form>',
  '[click](https://ok.example/?q=<script>)',
  '\u0000<script>alert(1)</script>',
];

/** Every opening tag of the output as [name, attributes]. */
function tags(html: string): Array<[string, Record<string, string>]> {
  const found: Array<[string, Record<string, string>]> = [];
  for (const match of html.matchAll(/<([a-zA-Z][\w-]*)([^>]*)>/g)) {
    const attributes: Record<string, string> = {};
    for (const attribute of match[2]!.matchAll(/([^\s=/]+)(?:="([^"]*)")?/g)) attributes[attribute[1]!.toLowerCase()] = attribute[2] ?? '';
    found.push([match[1]!.toLowerCase(), attributes]);
  }
  return found;
}

const decode = (text: string) => text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));

describe('Markdown-safe rendering', () => {
  for (const input of HOSTILE) {
    it(`renders ${JSON.stringify(input).slice(0, 70)} without anything that can run`, () => {
      const html = renderMarkdown(input);
      for (const [name, attributes] of tags(html)) {
        assert.ok(ELEMENTS.has(name), `<${name}> in ${html}`);
        for (const attribute of Object.keys(attributes)) assert.ok(name === 'a' ? ['href', 'rel', 'target', 'title'].includes(attribute) : name === 'code' && attribute === 'class', `${attribute} on <${name}> in ${html}`);
        if (name === 'a') {
          assert.ok(SAFE_HREF.test(decode(attributes.href ?? '')), `href ${attributes.href} in ${html}`);
          assert.equal(attributes.rel, 'noopener noreferrer');
        }
      }
      assert.doesNotMatch(html, /<(script|img|iframe|svg|style|form|input|details)\b/i);
    });
  }

  it('renders CommonMark: emphasis, lists, code, headings, links that open safely', () => {
    assert.equal(renderMarkdown('**bold** and _it_'), '<p><strong>bold</strong> and <em>it</em></p>\n');
    assert.equal(renderMarkdown('- one\n- two'), '<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n');
    assert.equal(renderMarkdown('`a<b`'), '<p><code>a&lt;b</code></p>\n');
    assert.equal(renderMarkdown('[docs](https://example.com/a)'), '<p><a href="https://example.com/a" target="_blank" rel="noopener noreferrer">docs</a></p>\n');
    assert.equal(renderMarkdown('[task](/board/#7)'), '<p><a href="/board/#7" rel="noopener noreferrer">task</a></p>\n');
    assert.equal(renderMarkdown('<b>raw</b>'), '<p>&lt;b&gt;raw&lt;/b&gt;</p>\n', 'raw HTML is shown as text');
    assert.equal(renderMarkdown('[x](javascript:alert(1))'), '<p>[x](javascript:alert(1))</p>\n', 'an unsafe link stays text, nothing lost');
  });
});
