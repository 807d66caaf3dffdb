// Prototype pages (book chapter 3): routing, rendering into the layout, the
// context block, the template helpers, errors, path safety and caching.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RESERVED_PREFIXES } from '../app.ts';
import { formatDate } from '../src/templates/date-format.ts';
import { capfirst, slugify } from '../src/templates/helpers.ts';
import { listPages } from '../src/pages/index.ts';
import { pageUrlLookup } from '../src/pages/files.ts';
import { COMMON_P, WORDS } from '../src/templates/lorem.ts';
import { placeholderUrl } from '../src/placeholder/grammar.ts';
import { ROOT } from '../src/settings.ts';
import { createTemplateEnvironment, describeTemplateError } from '../src/templates/environment.ts';
import { startApp, tempDir, type Running } from './helpers.ts';
import { NAV_PAGES, writeFiles } from './fixtures/site.ts';

const HTML = { accept: 'text/html' };
const JSON_ONLY = { accept: 'application/json' };
const SECRET = { SECRET_KEY: 'k'.repeat(40) };

interface Site {
  root: string;
  pagesDir: string;
  templatesDir: string;
  /** startApp environment: this site's folders, the pages part only. */
  env: Record<string, string>;
}

/** A throwaway site: `pages` on top of NAV_PAGES; `templates` on top of a copy of the real templates/. */
function makeSite(pages: Record<string, string> = {}, templates?: Record<string, string>): Site {
  const root = tempDir('lightweight-pages-');
  const pagesDir = path.join(root, 'pages');
  writeFiles(pagesDir, { ...NAV_PAGES, ...pages });
  let templatesDir = path.join(ROOT, 'templates');
  if (templates) {
    templatesDir = path.join(root, 'templates');
    cpSync(path.join(ROOT, 'templates'), templatesDir, { recursive: true });
    writeFiles(templatesDir, templates);
  }
  return { root, pagesDir, templatesDir, env: { SERVICES: 'pages', PAGES_DIR: pagesDir, TEMPLATES_DIR: templatesDir } };
}

/** A request exactly as written: fetch() would normalise `..` and encoded dots first. */
function rawGet(port: number, target: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.setEncoding('utf8');
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to ${target}`)));
    socket.on('data', (chunk) => (data += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n', 2);
      resolve({ status: Number(head.split(' ')[1]), headers: head, body });
    });
  });
}

const get = (app: Running, urlPath: string, headers: Record<string, string> = HTML) =>
  fetch(app.url + urlPath, { headers, redirect: 'manual' });

const titleOf = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1];
const bodyIdOf = (html: string) => /<body id="([^"]*)"/.exec(html)?.[1];
const activeLinkOf = (html: string) => /<a class="nav-link active" aria-current="page" href="([^"]*)">/.exec(html)?.[1];
const metaOf = (html: string, name: string) => new RegExp(`<meta name="${name}" content="([^"]*)">`).exec(html)?.[1];

describe('the starter site', () => {
  let app: Running;
  before(async () => {
    app = await startApp({ SERVICES: 'pages' });
  });
  after(() => app.close());

  for (const [url, slug, active] of [
    ['/', 'index', '/'],
    ['/pricing/', 'pricing', '/pricing/'],
    ['/contact/', 'contact', '/contact/'],
    ['/login/', 'login', '/login/'],
  ] as const) {
    it(`renders ${url} inside the layout, its link marked active`, async () => {
      const res = await get(app, url);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /^text\/html/);
      const html = await res.text();
      assert.equal(titleOf(html), `Rapid Prototypes - ${slug[0]!.toUpperCase()}${slug.slice(1)}`);
      assert.equal(bodyIdOf(html), slug);
      assert.equal(activeLinkOf(html), active);
      assert.match(html, /href="\/static\/vendor\/bootstrap\/\d+\.\d+\.\d+\/css\/bootstrap\.min\.css"/); // under its version, cached for good
      assert.doesNotMatch(html, /block context|EventSource/, 'no context block, no live reload outside dev');
      assert.ok(metaOf(html, 'description')!.length > 20, 'a description from the context block');
    });
  }

  it('has a home page with a hero, lorem ipsum, a contact button, placeholder images and the year', async () => {
    const html = await (await get(app, '/')).text();
    assert.match(html, /Lorem ipsum dolor sit amet, consectetur adipisicing elit/);
    assert.match(html, /<a class="btn btn-primary btn-lg" href="\/contact\/"/);
    assert.match(html, /src="\/image\/600x400\/[^"]*\?text=Hero"/);
    assert.match(html, new RegExp(`&copy; Company ${new Date().getFullYear()}`));
  });

  it('lists the plans of pages/_data/plans.json and the features of the pricing context block', async () => {
    const html = await (await get(app, '/pricing/')).text();
    const block = /\{% block context %\}([\s\S]*?)\{% endblock %\}/.exec(readFileSync(path.join(ROOT, 'pages/pricing.html'), 'utf8'))![1]!;
    const { features } = JSON.parse(block) as { features: Array<{ name: string }> };
    const plans = JSON.parse(readFileSync(path.join(ROOT, 'pages/_data/plans.json'), 'utf8')) as Array<{ name: string; price: number }>;
    assert.ok(plans.length >= 3 && features.length >= 3);
    for (const plan of plans) assert.match(html, new RegExp(`>${plan.name}</h2>[\\s\\S]*?\\$${plan.price}<`));
    for (const feature of features) assert.ok(html.includes(`>${feature.name}</th>`), feature.name);
  });

  it('serves Bootstrap from npm and the site stylesheet under /static/', async () => {
    for (const [url, type] of [
      ['/static/vendor/bootstrap/css/bootstrap.min.css', /^text\/css/],
      ['/static/vendor/bootstrap/js/bootstrap.bundle.min.js', /^text\/javascript/],
      ['/static/css/site.css', /^text\/css/],
      ['/static/img/logo.svg', /^image\/svg\+xml/],
    ] as const) {
      const res = await get(app, url);
      assert.equal(res.status, 200, url);
      assert.match(res.headers.get('content-type')!, type);
      const etag = res.headers.get('etag')!;
      await res.arrayBuffer();
      const again = await fetch(app.url + url, { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304, `${url} revalidates`);
    }
    assert.equal((await get(app, '/static/css/')).status, 404, 'no directory listing');
  });
});

describe('page URLs', () => {
  let site: Site;
  let app: Running;
  before(async () => {
    site = makeSite({
      'docs/intro.html': '<p>Intro</p>',
      // Pages named like other parts' prefixes must never be served.
      'board.html': 'SHADOWED',
      'image.html': 'SHADOWED',
      'api.html': 'SHADOWED',
      'static.html': 'SHADOWED',
      'socket.html': 'SHADOWED',
      '__reload.html': 'SHADOWED',
    });
    app = await startApp(site.env);
  });
  after(() => app.close());

  it('serves nested pages at /<folder>/<name>/', async () => {
    const res = await get(app, '/docs/intro/');
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<p>Intro<\/p>/);
    assert.equal(titleOf(html), 'Rapid Prototypes - Docs/intro');
    assert.equal(bodyIdOf(html), 'docs-intro');
  });

  for (const [from, to] of [
    ['/pricing', '/pricing/'],
    ['/pricing?plan=pro', '/pricing/?plan=pro'],
    ['/docs/intro', '/docs/intro/'],
    ['/index/', '/'],
    ['/index', '/'],
  ]) {
    it(`redirects ${from} to ${to} (301)`, async () => {
      const res = await get(app, from!);
      assert.equal(res.status, 301);
      assert.equal(res.headers.get('location'), to);
    });
  }

  it('redirects a doubled slash to the one URL of the page', async () => {
    const res = await rawGet(app.port, '//pricing/');
    assert.equal(res.status, 301);
    assert.match(res.headers, /^location: \/pricing\/$/im);
  });

  it('answers HEAD like GET, without a body', async () => {
    const res = await fetch(`${app.url}/pricing/`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
  });

  it('refuses other methods on a page with 405 and Allow', async () => {
    const res = await fetch(`${app.url}/pricing/`, { method: 'POST', headers: JSON_ONLY });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
    assert.match((await res.json()).detail, /answers GET and HEAD only/);
  });

  for (const prefix of ['/board/', '/image/', '/api/', '/static/', '/socket/', '/__reload', '/Board/']) {
    it(`never serves a page under ${prefix}, even with its part off`, async () => {
      const res = await get(app, prefix);
      assert.equal(res.status, 404);
      assert.doesNotMatch(await res.text(), /SHADOWED/);
    });
  }

  it('lists every servable page, without shadowed ones', () => {
    const pages = listPages(site.pagesDir, RESERVED_PREFIXES);
    assert.deepEqual(
      pages.map((p) => [p.slug, p.url]),
      [
        ['index', '/'],
        ['about', '/about/'],
        ['blog', '/blog/'],
        ['contact', '/contact/'],
        ['docs/intro', '/docs/intro/'],
        ['feed.xml', '/feed.xml'],
        ['login', '/login/'],
        ['pricing', '/pricing/'],
        ['team', '/team/'],
      ],
    );
    assert.equal(pages.find((p) => p.slug === 'docs/intro')!.file, path.join(site.pagesDir, 'docs', 'intro.html'));
  });

  it('answers an unknown page with the styled 404 listing the pages (DEBUG)', async () => {
    const res = await get(app, '/nope/');
    assert.equal(res.status, 404);
    const html = await res.text();
    assert.equal(titleOf(html), 'Rapid Prototypes - Page not found');
    assert.match(html, /There is no page at \/nope\//);
    assert.match(html, /<a href="\/docs\/intro\/">\/docs\/intro\/<\/a>/);
    assert.doesNotMatch(html, /href="\/board\/"/);

    const json = await (await get(app, '/nope/', JSON_ONLY)).json();
    assert.equal(json.detail, 'There is no page at /nope/.');
    assert.ok(json.pages.includes('/docs/intro/'));
  });

  it('does not redirect a missing page', async () => {
    assert.equal((await get(app, '/nope')).status, 404);
  });
});

describe('404 without DEBUG', () => {
  it('lists no pages', async () => {
    const app = await startApp({ ...makeSite().env, DEBUG: 'off', ...SECRET });
    try {
      const html = await (await get(app, '/nope/')).text();
      assert.match(html, /Page not found/);
      assert.doesNotMatch(html, /Pages that exist|pricing\.html/);
      assert.deepEqual(await (await get(app, '/nope/', JSON_ONLY)).json(), { detail: 'There is no page at /nope/.' });
    } finally {
      await app.close();
    }
  });
});

describe('the context block', () => {
  let app: Running;
  before(async () => {
    const site = makeSite({
      'about.html': [
        '{% block context %}',
        '{ "description": "All about us", "keywords": "about, team", "team": ["Ada", "Grace"] }',
        '{% endblock %}',
        '<ul>{% for name in team %}<li>{{ name }}</li>{% endfor %}</ul>',
      ].join('\n'),
      'trimmed.html': '{%- block context -%}{"greeting": "Hi"}{%- endblock -%}<p>{{ greeting }}</p>',
      'bad-json.html': '{% block context %}\n{ "a": 1,\n  "b": tru }\n{% endblock %}\n<p>x</p>',
      'array.html': '{% block context %}[1, 2]{% endblock %}',
      'slug.html': '{% block context %}{ "slug": "other" }{% endblock %}',
      'trailing.html': '{% block context %}\n{ "a": 1, }\n{% endblock %}',
      'after-block.html': '{% block context %}\n{ "a": 1 }\n{% endblock %}\n<p>fine</p>\n{{ url("page", "missing") }}',
    });
    app = await startApp(site.env);
  });
  after(() => app.close());

  it('gives its JSON to the page and to the layout, and is not rendered', async () => {
    const html = await (await get(app, '/about/')).text();
    assert.match(html, /<ul><li>Ada<\/li><li>Grace<\/li><\/ul>/);
    assert.equal(metaOf(html, 'description'), 'All about us');
    assert.equal(metaOf(html, 'keywords'), 'about, team');
    assert.doesNotMatch(html, /"team"|block context/);
  });

  it('has default meta tags when a page sets none', async () => {
    const html = await (await get(app, '/pricing/')).text();
    assert.match(metaOf(html, 'description')!, /Rapid Prototypes/);
    assert.equal(metaOf(html, 'keywords'), 'prototype, mock-up, design');
  });

  it('accepts whitespace control', async () => {
    assert.match(await (await get(app, '/trimmed/')).text(), /<p>Hi<\/p>/);
  });

  const badBlocks: [string, string | RegExp][] = [
    ['bad-json', /^pages\/bad-json\.html, line 3, column 8: invalid JSON in the context block: expected a value but found "t" \(the JSON parser says: .*JSON.*\)$/],
    ['trailing', /^pages\/trailing\.html, line 2, column 9: invalid JSON in the context block: a comma before "\}" \(JSON allows no trailing comma\) \(the JSON parser says: .+\)$/],
    ['array', 'pages/array.html, line 1, column 20: the context block must hold a JSON object, like { "title": "Pricing" }'],
    ['slug', 'pages/slug.html, line 1, column 22: the context block may not set "slug": the server sets it'],
  ];
  for (const [page, detail] of badBlocks) {
    it(`names the file and position of a bad block (${page})`, async () => {
      const res = await get(app, `/${page}/`, JSON_ONLY);
      assert.equal(res.status, 500);
      const actual = (await res.json()).detail;
      if (typeof detail === 'string') assert.equal(actual, detail);
      else assert.match(actual, detail);
    });
  }

  it('keeps line numbers of the template below it', async () => {
    const json = await (await get(app, '/after-block/', JSON_ONLY)).json();
    assert.equal(json.file, 'pages/after-block.html');
    assert.equal(json.line, 5);
  });

  it('shows the lines around the error on the DEBUG page', async () => {
    const res = await get(app, '/bad-json/');
    assert.equal(res.status, 500);
    const html = await res.text();
    assert.match(html, /In <strong>pages\/bad-json\.html<\/strong>, line 3, column 8\./);
    assert.match(html, /<mark>3 \| {3}&quot;b&quot;: tru }<\/mark>/);
  });
});

describe('template helpers', () => {
  const site = makeSite({ 'docs/intro.html': 'x' });
  const env = createTemplateEnvironment({ templatesDir: site.templatesDir, debug: true, dev: false }, { pageUrl: pageUrlLookup(site.pagesDir) });
  const render = (source: string, context: object = {}) => env.renderString(source, context);
  const wordsOf = (text: string) => text.split(' ');

  it('{% lorem %} is the classic paragraph', () => {
    assert.equal(render('{% lorem %}'), COMMON_P);
  });

  it('{% lorem 3 p %} is three HTML paragraphs, the classic one first', () => {
    const paragraphs = [...render('{% lorem 3 p %}').matchAll(/<p>([^<]+)<\/p>/g)].map((m) => m[1]);
    assert.equal(paragraphs.length, 3);
    assert.equal(paragraphs[0], COMMON_P);
    for (const p of paragraphs.slice(1)) assert.match(p!, /^[A-Z][a-z ,]+[.?]( [A-Z][a-z ,]+[.?])*$/);
  });

  it('{% lorem 10 w %} is the first ten classic words', () => {
    assert.equal(render('{% lorem 10 w %}'), 'lorem ipsum dolor sit amet consectetur adipisicing elit sed do');
    const many = wordsOf(render('{% lorem 25 w %}'));
    assert.equal(many.length, 25);
    assert.equal(many.slice(0, 2).join(' '), 'lorem ipsum');
  });

  it('random skips the classic text', () => {
    const words = wordsOf(render('{% lorem 200 w random %}'));
    assert.equal(words.length, 200);
    assert.ok(words.every((w) => WORDS.includes(w)));
    assert.notEqual(words.slice(0, 5).join(' '), 'lorem ipsum dolor sit amet');
    const blocks = render('{% lorem 2 b random %}').split('\n\n');
    assert.equal(blocks.length, 2);
    assert.ok(!blocks.includes(COMMON_P));
  });

  it('random text is the same on every render of a page, and differs between tags, turns and pages', () => {
    const source = '{% lorem 12 w random %}|{% lorem 12 w random %}|{% for i in [1, 2] %}{% lorem 12 w random %}|{% endfor %}';
    const first = render(source, { slug: 'pricing' });
    assert.equal(render(source, { slug: 'pricing' }), first);
    const [a, b, c, d] = first.split('|');
    assert.equal(new Set([a, b, c, d]).size, 4);
    assert.notEqual(render(source, { slug: 'contact' }), first);
  });

  it('takes the count from a variable', () => {
    assert.equal(wordsOf(render('{% lorem n w %}', { n: 4 })).length, 4);
  });

  it('explains a lorem tag it cannot read', () => {
    assert.throws(() => render('\n{% lorem 3 x y %}'), (err: unknown) => {
      const problem = describeTemplateError(err)!;
      return problem.line === 2 && /lorem: unexpected "3"; use \{% lorem \[count\] \[w\|p\|b\] \[random\] %\}/.test(problem.message);
    });
    assert.throws(() => render('{% lorem n %}', { n: 'many' }), /lorem: the count must be a number \(got "many"\)/);
    assert.throws(() => render('{% lorem 100000 w %}'), /lorem: the count must be a whole number from 0 to 10000 \(got 100000\)/);
  });

  it("url('page', slug) is the page's URL", () => {
    assert.equal(render("{{ url('page', 'pricing') }}"), '/pricing/');
    assert.equal(render("{{ url('page', 'docs/intro') }}"), '/docs/intro/');
    assert.equal(render("{{ url('page', 'index') }}"), '/');
    assert.equal(render("{{ url('page') }}"), '/');
  });

  it('url() fails loudly for a page that does not exist', () => {
    assert.throws(() => render("{{ url('page', 'nope') }}"), /url\('page', 'nope'\): there is no page pages\/nope\.html or pages\/nope\.md/);
    assert.throws(() => render("{{ url('page', '../pages/index') }}"), /there is no page/);
    assert.throws(() => render("{{ url('pages', 'pricing') }}"), /url\('pages'\): unknown URL name/);
  });

  it('static() is the URL under /static/', () => {
    assert.equal(render("{{ static('css/site.css') }}"), '/static/css/site.css');
  });

  it('now() formats the current date like Django', () => {
    assert.equal(render("{{ now('Y') }}"), String(new Date().getFullYear()));
  });

  it('formats dates with Django format letters', () => {
    const date = new Date(2025, 0, 5, 14, 7, 9);
    assert.equal(formatDate(date, 'Y-m-d H:i:s'), '2025-01-05 14:07:09');
    assert.equal(formatDate(date), 'Jan. 5, 2025');
    assert.equal(formatDate(date, 'l, jS F y'), 'Sunday, 5th January 25');
    assert.equal(formatDate(date, 'D M n g:i A'), 'Sun Jan 1 2:07 PM');
    assert.equal(formatDate(date, 'P'), '2:07 p.m.');
    assert.equal(formatDate(new Date(2025, 5, 1, 12, 0), 'P'), 'noon');
    assert.equal(formatDate(date, 'z W t L'), '5 1 31 False');
    assert.equal(formatDate(date, '\\Y\\e\\a\\r: Y'), 'Year: 2025');
  });

  it('capfirst and slugify work like Django', () => {
    assert.equal(render('{{ "hello world" | capfirst }}'), 'Hello world');
    assert.equal(capfirst(''), '');
    assert.equal(render('{{ "Hello, World! Ça va?" | slugify }}'), 'hello-world-ca-va');
    assert.equal(slugify('  --Spaces   and_underscores--  '), 'spaces-and_underscores');
  });

  it('placeholder() is the URL of a placeholder image', () => {
    const url = render("{{ placeholder(300, 200, { bg: 'eee', text: 'Hero' }) }}");
    assert.equal(url, placeholderUrl(300, 200, { bg: 'eee', text: 'Hero' }));
    assert.match(url, /^\/image\/300x200\/eeeeee\/\?text=Hero$/);
  });
});

describe('template errors', () => {
  const baseWithFooter = readFileSync(path.join(ROOT, 'templates/base.html'), 'utf8').replace(
    '</main>',
    "</main>\n  {{ url('page', 'gone') if slug == 'footer-error' }}",
  );
  const footerLine = baseWithFooter.split('\n').findIndex((line) => line.includes("'gone'")) + 1;
  let app: Running;
  before(async () => {
    const site = makeSite(
      {
        'parse.html': '<p>one</p>\n{% if %}\n<p>three</p>',
        'runtime.html': '<p>one</p>\n<p>two</p>\n<p>{{ url("page", "nowhere") }}</p>',
        'include.html': '{% include "no-such-partial.html" %}',
        'footer-error.html': '<p>fine</p>',
        'block-error.html': '<p>fine</p>',
      },
      {
        'base.html': baseWithFooter,
        'page.html': readFileSync(path.join(ROOT, 'templates/page.html'), 'utf8').replace(
          '{{ content | safe }}',
          "{{ content | safe }}\n{{ missing_function() if slug == 'block-error' }}",
        ),
      },
    );
    app = await startApp(site.env);
  });
  after(() => app.close());

  const problemAt = async (url: string) => {
    const res = await get(app, url, JSON_ONLY);
    assert.equal(res.status, 500);
    return res.json();
  };

  it('names the page and line of a syntax error', async () => {
    const json = await problemAt('/parse/');
    assert.deepEqual([json.file, json.line], ['pages/parse.html', 2]);
    assert.match(json.detail, /^pages\/parse\.html, line 2, column \d+: unexpected token: %\}$/);
  });

  it('names the page and line of an error while rendering', async () => {
    const json = await problemAt('/runtime/');
    assert.deepEqual([json.file, json.line], ['pages/runtime.html', 3]);
    assert.match(json.detail, /there is no page pages\/nowhere\.html/);
  });

  it('names the layout, not the page, for an error in the layout after the content', async () => {
    const json = await problemAt('/footer-error/');
    assert.deepEqual([json.file, json.line], ['templates/base.html', footerLine]);
    assert.match(json.detail, /there is no page pages\/gone\.html/);
  });

  it('names page.html for an error in one of its blocks', async () => {
    const json = await problemAt('/block-error/');
    assert.deepEqual([json.file, json.line], ['templates/page.html', 7]);
    assert.match(json.detail, /Unable to call `missing_function`/);
  });

  it('says which template an include could not find', async () => {
    const json = await problemAt('/include/');
    assert.equal(json.file, 'pages/include.html');
    assert.match(json.detail, /template not found: no-such-partial\.html/);
  });

  it('shows file, line and the source on the DEBUG error page, and logs it', async () => {
    const res = await get(app, '/runtime/');
    assert.equal(res.status, 500);
    const html = await res.text();
    assert.match(html, /In <strong>pages\/runtime\.html<\/strong>, line 3/);
    assert.match(html, /<mark>3 \| &lt;p&gt;\{\{ url\(&quot;page&quot;, &quot;nowhere&quot;\) \}\}&lt;\/p&gt;<\/mark>/);
    assert.ok(app.logs.some((line) => line.startsWith('ERROR GET /runtime/: pages/runtime.html, line 3')));
  });

  it('keeps super() working in layouts', () => {
    const dir = tempDir();
    writeFiles(dir, {
      'parent.html': '<title>{% block title %}Site{% endblock %}</title>',
      'child.html': '{% extends "parent.html" %}{% block title %}{{ super() }} - Child{% endblock %}',
    });
    const env = createTemplateEnvironment({ templatesDir: dir, debug: true, dev: false });
    assert.equal(env.render('child.html', {}), '<title>Site - Child</title>');
  });
});

describe('template errors without DEBUG', () => {
  it('shows a generic 500 and logs the details', async () => {
    const app = await startApp({ ...makeSite({ 'broken.html': '{% if %}' }).env, DEBUG: 'off', ...SECRET });
    try {
      const res = await get(app, '/broken/', JSON_ONLY);
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { detail: 'Something went wrong on our side. The error has been logged.' });
      assert.ok(app.logs.some((line) => /^ERROR GET \/broken\/: pages\/broken\.html, line 1/.test(line)));
    } finally {
      await app.close();
    }
  });

  it('answers the plain 404 page, quietly, in a site without templates/404.html', async () => {
    const site = makeSite({}, {});
    rmSync(path.join(site.templatesDir, '404.html'));
    const app = await startApp(site.env);
    try {
      const res = await get(app, '/nope/');
      assert.equal(res.status, 404);
      const html = await res.text();
      assert.match(html, /<h1>404 Not Found<\/h1><p>There is no page at \/nope\/\.<\/p>/);
      assert.doesNotMatch(html, /\/static\//, 'it links no file of the static folder, which may not have it');
      assert.deepEqual(app.logs.filter((line) => line.startsWith('ERROR')), []);
    } finally {
      await app.close();
    }
  });

  it('falls back to a plain 404 page when the 404 layout itself is broken', async () => {
    const app = await startApp(makeSite({}, { '404.html': '{% extends "base.html" %}{% block content %}{{ broken( }}{% endblock %}' }).env);
    try {
      const res = await get(app, '/nope/');
      assert.equal(res.status, 404);
      const html = await res.text();
      assert.match(html, /<h1>404 Not Found<\/h1><p>There is no page at \/nope\/\.<\/p>/);
      assert.match(html, /<a href="\/pricing\/">/);
      assert.ok(app.logs.some((line) => line.startsWith('ERROR rendering templates/404.html')));
    } finally {
      await app.close();
    }
  });
});

describe('path safety', () => {
  let app: Running;
  before(async () => {
    const site = makeSite({ '.hidden.html': 'SECRET', 'docs/intro.html': 'Intro' });
    const outside = tempDir();
    writeFiles(outside, { 'secret.html': 'SECRET', 'dir/secret.html': 'SECRET' });
    symlinkSync(path.join(outside, 'secret.html'), path.join(site.pagesDir, 'linked.html'));
    symlinkSync(path.join(outside, 'dir'), path.join(site.pagesDir, 'linked-dir'));
    writeFiles(site.root, { 'outside.html': 'SECRET', 'templates-copy/base.html': 'SECRET' });
    app = await startApp(site.env);
  });
  after(() => app.close());

  for (const target of [
    '/../outside/',
    '/..%2foutside/',
    '/%2e%2e/outside/',
    '/%2E%2E/%2E%2E/etc/passwd/',
    '/docs/%2e%2e/%2e%2e/outside/',
    '/docs%2f..%2f..%2foutside/',
    '/..%5coutside/',
    '/docs%5cintro/',
    '/%2fetc/passwd/',
    '//etc/passwd/',
    '/C:/Windows/win.ini/',
    '/pricing%00/',
    '/pricing%00.html/',
    '/%00/',
    '/.hidden/',
    '/%2ehidden/',
    '/linked/',
    '/linked-dir/secret/',
    '/docs/intro%2f/',
    '/%/',
    'http://localhost/%2e%2e/outside/',
  ]) {
    it(`gives 404 for ${target}`, async () => {
      const res = await rawGet(app.port, target);
      assert.equal(res.status, 404);
      assert.doesNotMatch(res.body, /SECRET/);
    });
  }

  it('leaves a raw backslash to the HTTP server, which refuses it', async () => {
    const res = await rawGet(app.port, '/..\\outside/');
    assert.equal(res.status, 400);
    assert.doesNotMatch(res.body, /SECRET/);
  });

  it('leaves links out of the page list', () => {
    const slugs = listPages(path.join(app.lightweight.settings.pagesDir)).map((p) => p.slug);
    assert.ok(!slugs.includes('linked') && !slugs.includes('.hidden'), slugs.join());
  });
});

describe('caching', () => {
  const cases = [
    ['compiles pages and layouts once when DEBUG is off', { DEBUG: 'off', ...SECRET }, false],
    ['reads pages and layouts again on every request when DEBUG is on', {}, true],
  ] as const;
  for (const [name, env, changes] of cases) {
    it(name, async () => {
      const site = makeSite({ 'note.html': '<p>first page</p>' }, {});
      const app = await startApp({ ...site.env, ...env });
      try {
        assert.match(await (await get(app, '/note/')).text(), /first page/);
        writeFiles(site.pagesDir, { 'note.html': '<p>second page</p>' });
        const pageHtml = readFileSync(path.join(site.templatesDir, 'page.html'), 'utf8');
        writeFiles(site.templatesDir, { 'page.html': pageHtml.replace('{{ content | safe }}', '<p>new layout</p>{{ content | safe }}') });
        const html = await (await get(app, '/note/')).text();
        assert.equal(/second page/.test(html), changes);
        assert.equal(/new layout/.test(html), changes);
      } finally {
        await app.close();
      }
    });
  }
});

describe('the table of pages and links', () => {
  // The walk takes a listed file where it is listed; a link is resolved as any request's path is (safe-path.ts).
  const tableOf = (pagesDir: string) => Object.fromEntries(listPages(pagesDir).map((page) => [page.url, page.file]));

  it('lists a page linked to a file inside the pages folder as that file, none linked to one outside, and the same pages through a linked pages folder', () => {
    const root = tempDir();
    const pagesDir = path.join(root, 'pages');
    writeFiles(pagesDir, { 'index.md': '# Home', 'docs/intro.md': '# Intro', 'docs/setup.html': '<p>Setup</p>' });
    writeFiles(root, { 'outside/secret.md': 'SECRET' });
    symlinkSync(path.join(pagesDir, 'docs/intro.md'), path.join(pagesDir, 'welcome.md'));
    symlinkSync(path.join(root, 'outside/secret.md'), path.join(pagesDir, 'secret.md'));
    symlinkSync(path.join(root, 'outside'), path.join(pagesDir, 'more'));

    const expected = {
      '/': path.join(pagesDir, 'index.md'),
      '/docs/intro/': path.join(pagesDir, 'docs/intro.md'),
      '/docs/setup/': path.join(pagesDir, 'docs/setup.html'),
      '/welcome/': path.join(pagesDir, 'docs/intro.md'),
    };
    assert.deepEqual(tableOf(pagesDir), expected);
    const linked = path.join(root, 'linked-pages');
    symlinkSync(pagesDir, linked);
    assert.deepEqual(tableOf(linked), expected, 'files are named by their real path');
  });
});
