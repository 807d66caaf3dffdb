// Code is code: fenced code blocks and inline code spans in a Markdown page
// are shown exactly as written, while template syntax outside code keeps
// working; an unknown tag says where it is and how to show it literally.
// Through the real app over HTTP.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startApp, tempDir, type Running } from './helpers.ts';
import { NAV_PAGES, writeFiles } from './fixtures/site.ts';

const HTML = { accept: 'text/html' };
const JSON_ONLY = { accept: 'application/json' };
const mainOf = (html: string) => /<main>([\s\S]*)<\/main>/.exec(html)![1]!;

function pagesApp(files: Record<string, string>): Promise<Running> {
  const pagesDir = path.join(tempDir('lightweight-code-'), 'pages');
  writeFiles(pagesDir, { ...NAV_PAGES, ...files });
  return startApp({ SERVICES: 'pages', PAGES_DIR: pagesDir });
}

const SNIPPETS = [
  '---',
  'title: Snippets',
  'who: designers',
  '---',
  '# For {{ who }}',
  '',
  'Vue writes `<h2>{{ card.title }}</h2>`, Liquid writes ``{% assign x = 1 %}`` and `{# note #}`.',
  '',
  '```html',
  '<h2>{{ card.title }}</h2>',
  '{% if user %}Hello{% endif %}',
  '{# a comment #}',
  '```',
  '',
  '~~~',
  '{% for x in list %}{{ x }}{% endfor %}',
  '~~~',
  '',
  '{%- for plan in ["Free", "Pro"] %}',
  '- {{ plan }} plan: `{{ plan }}`',
  '{%- endfor %}',
  '',
  '{% raw %}Raw {{ still }} works{% endraw %} and {{ "helpers" | capfirst }} too.',
];

describe('Markdown code is literal', () => {
  let app: Running;
  before(async () => {
    app = await pagesApp({
      'snippets.md': SNIPPETS.join('\n'),
      'broken-below.md': [...SNIPPETS, '', '{{ missing_helper() }}'].join('\n'),
      'liquid.md': '# Liquid\n\nSome text,\n  then {% assign total = 3 %}.',
    });
  });
  after(() => app.close());

  it('shows fenced blocks and inline code as written, {{ }}, {% %} and {# #} included', async () => {
    const res = await fetch(`${app.url}/snippets/`, { headers: HTML });
    assert.equal(res.status, 200);
    const main = mainOf(await res.text());
    assert.match(main, /<code>&lt;h2&gt;\{\{ card\.title \}\}&lt;\/h2&gt;<\/code>/);
    assert.match(main, /<code>\{% assign x = 1 %\}<\/code>/);
    assert.match(main, /<code>\{# note #\}<\/code>/);
    // The html block is highlighted (test/code-highlight.test.ts): its text, without the token spans, is as written.
    const html = /<pre><code class="language-html">([\s\S]*?)<\/code><\/pre>/.exec(main)![1]!.replace(/<\/?span[^>]*>/g, '');
    assert.equal(html, '&lt;h2&gt;{{ card.title }}&lt;/h2&gt;\n{% if user %}Hello{% endif %}\n{# a comment #}\n');
    assert.match(main, /<pre><code>\{% for x in list %\}\{\{ x \}\}\{% endfor %\}\n<\/code><\/pre>/);
  });

  it('renders template syntax outside code, and keeps {% raw %}', async () => {
    const main = mainOf(await (await fetch(`${app.url}/snippets/`, { headers: HTML })).text());
    assert.match(main, /<h1 id="for-designers">For designers<\/h1>/);
    assert.match(main, /<li>Free plan: <code>\{\{ plan \}\}<\/code><\/li>\s*<li>Pro plan: <code>\{\{ plan \}\}<\/code><\/li>/, 'a loop around code still runs');
    assert.match(main, /Raw \{\{ still \}\} works and Helpers too\./);
  });

  it('keeps the line numbers of errors below code', async () => {
    const json = await (await fetch(`${app.url}/broken-below/`, { headers: JSON_ONLY })).json();
    assert.deepEqual([json.file, json.line], ['pages/broken-below.md', SNIPPETS.length + 2]);
    assert.match(json.detail, /missing_helper/);
  });

  it('names an unknown tag, its file, line and column, and says how to show it literally', async () => {
    const res = await fetch(`${app.url}/liquid/`, { headers: JSON_ONLY });
    assert.equal(res.status, 500);
    const json = await res.json();
    assert.deepEqual([json.file, json.line, json.column], ['pages/liquid.md', 4, 11]);
    assert.match(json.detail, /unknown tag \{% assign %\}/);
    assert.match(json.detail, /\{% raw %\}…\{% endraw %\}/);
    assert.match(json.detail, /code block/);
  });
});
