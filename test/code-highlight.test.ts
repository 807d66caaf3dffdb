// Code that reads like an editor: fenced code with a language in a Markdown
// page comes out as Shiki's token spans, with classes (no style attribute,
// no script), in colours the starter stylesheet gives with at least WCAG AA
// contrast on the block's background; an unknown language is plain; and a
// rebuild that takes a page from the build cache highlights nothing again.
// Through the real app over HTTP, and the build's real page memo.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { createApp } from '../app.ts';
import { listPages } from '../src/pages/files.ts';
import { openBuildCache } from '../src/publish/cache.ts';
import { pageMemo } from '../src/publish/page-memo.ts';
import { loadSettings, ROOT } from '../src/settings.ts';
import { highlightCounts } from '../src/templates/highlight.ts';
import { NAV_PAGES, writeFiles } from './fixtures/site.ts';
import { startApp, tempDir, type Running } from './helpers.ts';

const HTML = { accept: 'text/html' };
const mainOf = (html: string) => /<main>([\s\S]*)<\/main>/.exec(html)![1]!;
const decode = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** One block per language the issue names, each with something to colour. */
const BLOCKS: Record<string, string> = {
  js: 'const total = items.reduce((sum, item) => sum + item.price, 0); // in cents',
  ts: 'interface Card { title: string; points?: number }\nexport function sum(cards: Card[]): number { return 0; }',
  html: '<h2 class="card-title">{{ card.title }}</h2>\n<p hidden>{% if user %}Hi{% endif %}</p>',
  css: '.card { color: #333; margin: 0 auto; } /* tight */',
  json: '{ "name": "lightweight", "private": true, "count": 3 }',
  bash: 'npm run build -- index pricing  # just these\nexport SITE_URL="https://example.com"',
  yaml: 'title: Pricing\ntags: [post, news]\ndraft: false # not yet',
};
const fence = (lang: string, code: string) => `\`\`\`${lang}\n${code}\n\`\`\``;
const CODE_PAGE = ['# Snippets', '', ...Object.entries(BLOCKS).flatMap(([lang, code]) => [fence(lang, code), ''])].join('\n');

/** The starter stylesheet's colour for each token class, and the code block's background and text colours. */
function stylesheetColours(): { background: string; foreground: string; tokens: Map<string, string> } {
  const css = readFileSync(path.join(ROOT, 'static/css/site.css'), 'utf8');
  const block = /\.markdown-page pre \{([^}]*)\}/.exec(css)![1]!;
  const tokens = new Map<string, string>();
  for (const [, selectors, colour] of css.matchAll(/((?:\.tok-[a-z-]+(?:, )?)+) \{ color: (#[0-9a-f]{6}); \}/g)) {
    for (const selector of selectors!.split(', ')) tokens.set(selector.slice(1), colour!);
  }
  return { background: /background: (#[0-9a-f]{6})/.exec(block)![1]!, foreground: /[^-]color: (#[0-9a-f]{6})/.exec(block)![1]!, tokens };
}

/** WCAG 2.1 contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('highlighted code', () => {
  let app: Running;
  before(async () => {
    const pagesDir = path.join(tempDir('lightweight-highlight-'), 'pages');
    writeFiles(pagesDir, {
      ...NAV_PAGES,
      'snippets.md': CODE_PAGE,
      'unknown.md': `# Odd\n\n${fence('brainfuck', '++[>+<-] <b>')}\n\n${fence('', 'plain <i>text</i>')}\n`,
      'prose.md': '# Prose\n\nNo code here.',
    });
    app = await startApp({ SERVICES: 'pages', PAGES_DIR: pagesDir });
  });
  after(() => app.close());

  it('gives each language token spans, with the code itself unchanged, template syntax included', async () => {
    const res = await fetch(`${app.url}/snippets/`, { headers: HTML });
    assert.equal(res.status, 200);
    const main = mainOf(await res.text());
    for (const [lang, code] of Object.entries(BLOCKS)) {
      const block = new RegExp(`<pre><code class="language-${lang}">([\\s\\S]*?)</code></pre>`).exec(main);
      assert.ok(block, `a ${lang} block`);
      const kinds = new Set([...block[1]!.matchAll(/<span class="([^"]+)">/g)].flatMap((m) => m[1]!.split(' ')));
      assert.ok(kinds.size >= 2, `${lang} has tokens of at least two kinds: ${[...kinds].join(', ')}`);
      assert.equal(decode(block[1]!), `${code}\n`, `${lang} reads as written`);
    }
    assert.doesNotMatch(main, /style=/, 'colours come from classes, not style attributes');
  });

  it('colours every token kind with at least 4.5:1 contrast on the block background (WCAG AA)', async () => {
    const main = mainOf(await (await fetch(`${app.url}/snippets/`, { headers: HTML })).text());
    const used = new Set([...main.matchAll(/<span class="([^"]+)">/g)].flatMap((m) => m[1]!.split(' ')).filter((name) => !/^tok-(italic|bold|underline)$/.test(name)));
    const { background, foreground, tokens } = stylesheetColours();
    assert.ok(used.size >= 5, `several kinds of token: ${[...used].join(', ')}`);
    for (const name of used) assert.ok(tokens.has(name), `site.css colours .${name}`);
    for (const [name, colour] of [['plain text', foreground] as const, ...tokens]) {
      const ratio = contrast(colour, background);
      assert.ok(ratio >= 4.5, `${name} ${colour} on ${background}: ${ratio.toFixed(2)}:1`);
    }
  });

  it('shows an unknown language, and a fence without one, as plain escaped code without an error', async () => {
    const res = await fetch(`${app.url}/unknown/`, { headers: HTML });
    assert.equal(res.status, 200);
    const main = mainOf(await res.text());
    assert.match(main, /<pre><code class="language-brainfuck">\+\+\[&gt;\+&lt;-\] &lt;b&gt;\n<\/code><\/pre>/);
    assert.match(main, /<pre><code>plain &lt;i&gt;text&lt;\/i&gt;\n<\/code><\/pre>/);
  });

  it('sends no script and needs no new Content-Security-Policy source', async () => {
    const [code, prose] = await Promise.all(['snippets', 'prose'].map((slug) => fetch(`${app.url}/${slug}/`, { headers: HTML })));
    const scripts = (html: string) => [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.deepEqual(scripts(await code!.text()), scripts(await prose!.text()));
    // The same policy as a page without code (the starter layout's search box gives both 'wasm-unsafe-eval').
    const policy = code!.headers.get('content-security-policy')!;
    assert.equal(policy, prose!.headers.get('content-security-policy'));
    assert.doesNotMatch(policy, /'unsafe-inline'|'unsafe-hashes'|'unsafe-eval'/);
  });
});

test('a rebuild that takes the page from the build cache highlights nothing again; an edited block is highlighted once', async () => {
  const root = tempDir('lightweight-highlight-memo-');
  const dirs = { pagesDir: path.join(root, 'pages'), templatesDir: path.join(ROOT, 'templates'), staticDir: path.join(ROOT, 'static') };
  writeFiles(dirs.pagesDir, { ...NAV_PAGES, 'snippets.md': CODE_PAGE });
  const settings = loadSettings({ ...dirs, PAGES_DIR: dirs.pagesDir, TEMPLATES_DIR: dirs.templatesDir, STATIC_DIR: dirs.staticDir, SERVICES: 'pages', DEBUG: 'off', SECRET_KEY: 'k'.repeat(40), ALLOWED_HOSTS: 'localhost', IMAGE_CACHE_DIR: path.join(root, 'renditions') });
  const cache = openBuildCache(path.join(root, 'cache'), 'test');
  const build = async () => {
    // A new app each time, as each build is a new process; its highlighter is the module's, so only the count tells.
    const app = await createApp(settings, () => {});
    const asked: string[] = [];
    const { fetch } = pageMemo({ cache, pages: listPages(dirs.pagesDir, ['/image', '/static', '/renditions']), templatePages: [], ...dirs, renderSettings: { debug: false } }, async (request) => {
      asked.push(new URL(request.url).pathname);
      return app.app.fetch(request);
    });
    const before = highlightCounts().blocks;
    try {
      const html = await (await fetch(new Request('http://localhost/snippets/', { headers: { host: 'localhost', accept: 'text/html' } }))).text();
      await cache.settled();
      return { asked, html, highlighted: highlightCounts().blocks - before };
    } finally {
      await app.close();
    }
  };
  const first = await build();
  assert.deepEqual(first.asked, ['/snippets/']);
  assert.match(first.html, /<span class="tok-keyword">/);
  const second = await build();
  assert.deepEqual([second.asked, second.highlighted], [[], 0], 'the page came from the cache, with no block highlighted');
  assert.equal(second.html, first.html);
  const file = path.join(dirs.pagesDir, 'snippets.md');
  writeFileSync(file, readFileSync(file, 'utf8').replace('// in cents', '// in euro cents'));
  const third = await build();
  assert.deepEqual([third.asked, third.highlighted], [['/snippets/'], 1], 'the edited block alone is highlighted (the others are remembered)');
  assert.match(third.html, /in euro cents/);
});
