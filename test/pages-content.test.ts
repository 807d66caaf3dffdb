// Pages that grow up: Markdown pages, YAML front matter, shared data in
// pages/_data/, pages made from data ([name].html), and the errors of each,
// through the real app over HTTP.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listPages } from '../src/pages/index.ts';
import { ROOT } from '../src/settings.ts';
import { startApp, tempDir, type Running } from './helpers.ts';
import { NAV_PAGES, writeFiles } from './fixtures/site.ts';

const HTML = { accept: 'text/html' };
const JSON_ONLY = { accept: 'application/json' };

/** A throwaway pages folder (the real templates): NAV_PAGES, then `files` (which may replace them). */
function makePages(files: Record<string, string>): { pagesDir: string; env: Record<string, string> } {
  const pagesDir = path.join(tempDir('lightweight-content-'), 'pages');
  writeFiles(pagesDir, { ...NAV_PAGES, ...files });
  return { pagesDir, env: { SERVICES: 'pages', PAGES_DIR: pagesDir } };
}

const get = (app: Running, urlPath: string, headers: Record<string, string> = HTML) => fetch(app.url + urlPath, { headers, redirect: 'manual' });
const mainOf = (html: string) => /<main>([\s\S]*)<\/main>/.exec(html)![1]!;
const titleOf = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1];
const metaOf = (html: string, name: string) => new RegExp(`<meta name="${name}" content="([^"]*)">`).exec(html)?.[1];

/** The JSON a page error answers with (DEBUG on): its status, file, line and detail. */
async function problemAt(app: Running, urlPath: string): Promise<{ status: number; file: string; line: number | null; column: number | null; detail: string }> {
  const res = await get(app, urlPath, JSON_ONLY);
  return { status: res.status, ...(await res.json()) };
}

describe('Markdown pages', () => {
  let app: Running;
  before(async () => {
    const { env } = makePages({
      'notes/guide.md': [
        '---',
        'title: The guide',
        'description: How to use it',
        'keywords: guide, help',
        'colour: teal',
        '---',
        '# Getting started',
        '',
        'The colour is {{ colour }}; see [pricing]({{ url("page", "pricing") }}) and [below](#getting-started-1).',
        '',
        '## Getting started',
        '',
        '## `npm run build` & more!',
        '',
        '## !!!',
        '',
        '| Plan | Price |',
        '| --- | ---: |',
        '| Free | $0 |',
        '',
        '~~old~~ new, at https://example.com/docs',
        '',
        '```html',
        '<script>alert("x")</script>',
        '```',
        '',
        '<div class="callout" id="raw">Raw <em>HTML</em></div>',
        '',
        '{% lorem 3 w %}',
      ].join('\n'),
      'plain.md': 'Just *text*, no front matter.',
      'with-front-matter.html': '---\ntitle: Framed\ndescription: From YAML\n---\n<p>{{ title }} by {{ author }}</p>\n{% block context %}{ "author": "Ada" }{% endblock %}',
    });
    app = await startApp(env);
  });
  after(() => app.close());

  it('serves pages/<path>.md at /<path>/, rendered with nunjucks and then markdown-it, inside the layout', async () => {
    const res = await get(app, '/notes/guide/');
    assert.equal(res.status, 200);
    const html = await res.text();
    const main = mainOf(html);
    assert.match(html, /<nav class="navbar/, 'inside the layout');
    assert.match(main, /<p>The colour is teal; see <a href="\/pricing\/">pricing<\/a> and <a href="#getting-started-1">below<\/a>\.<\/p>/);
    assert.match(main, /<p>lorem ipsum dolor<\/p>/, 'nunjucks tags work inside Markdown');
    assert.match(main, /<table>\s*<thead>\s*<tr>\s*<th>Plan<\/th>\s*<th style="text-align:right">Price<\/th>/);
    assert.match(main, /<s>old<\/s> new, at <a href="https:\/\/example\.com\/docs">https:\/\/example\.com\/docs<\/a>/);
    // Highlighted (test/code-highlight.test.ts), and still escaped: without its token spans it reads as written.
    const code = /<pre><code class="language-html">([\s\S]*?)<\/code><\/pre>/.exec(main)![1]!;
    assert.equal(code.replace(/<\/?span[^>]*>/g, ''), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\n');
    assert.match(main, /<div class="callout" id="raw">Raw <em>HTML<\/em><\/div>/, 'raw HTML passes through');
  });

  it('gives every heading an id from its text, unique within the page', async () => {
    const main = mainOf(await (await get(app, '/notes/guide/')).text());
    const ids = [...main.matchAll(/<h(\d) id="([^"]*)">/g)].map((m) => `h${m[1]}#${m[2]}`);
    assert.deepEqual(ids, ['h1#getting-started', 'h2#getting-started-1', 'h2#npm-run-build-more', 'h2#section']);
  });

  it('takes title, description and keywords from the front matter', async () => {
    const html = await (await get(app, '/notes/guide/')).text();
    assert.equal(titleOf(html), 'Rapid Prototypes - The guide');
    assert.equal(metaOf(html, 'description'), 'How to use it');
    assert.equal(metaOf(html, 'keywords'), 'guide, help');
    assert.doesNotMatch(html, /colour: teal|---/, 'the front matter is never shown');
  });

  it('renders a Markdown page without front matter, titled by its slug', async () => {
    const html = await (await get(app, '/plain/')).text();
    assert.equal(titleOf(html), 'Rapid Prototypes - Plain');
    assert.match(mainOf(html), /<p>Just <em>text<\/em>, no front matter\.<\/p>/);
  });

  it('accepts front matter on an HTML page, beside a context block', async () => {
    const html = await (await get(app, '/with-front-matter/')).text();
    assert.equal(titleOf(html), 'Rapid Prototypes - Framed');
    assert.equal(metaOf(html, 'description'), 'From YAML');
    assert.match(mainOf(html), /<p>Framed by Ada<\/p>/);
  });

  it('lists Markdown pages with their file on the DEBUG 404 page', async () => {
    const html = await (await get(app, '/nope/')).text();
    assert.match(html, /<a href="\/notes\/guide\/">\/notes\/guide\/<\/a>\s*<code>pages\/notes\/guide\.md<\/code>/);
  });
});

describe('front matter and page file errors', () => {
  let app: Running;
  before(async () => {
    const { env } = makePages({
      'bad-yaml.md': '---\ntitle: Fine\nlist: [1, 2\nnext: x\n---\n# Body',
      'tabs.md': '---\ntitle: ok\n\tdescription: tab\n---\n',
      'not-a-map.md': '---\n- a\n- b\n---\n',
      'sets-slug.md': '---\ntitle: x\nslug: mine\n---\n',
      'twice.md': '# Markdown twin',
      'twice.html': '<h1>HTML twin</h1>',
      'template-error.md': '---\ntitle: x\n---\n# Heading\n\n{{ url("page", "nowhere") }}\n',
    });
    app = await startApp(env);
  });
  after(() => app.close());

  it('names the file and the line of invalid YAML', async () => {
    const bad = await problemAt(app, '/bad-yaml/');
    assert.equal(bad.status, 500);
    assert.equal(bad.file, 'pages/bad-yaml.md');
    assert.ok(bad.line === 3 || bad.line === 4, `line ${bad.line}`);
    assert.match(bad.detail, /^pages\/bad-yaml\.md, line \d, column \d+: front matter: invalid YAML: /);
    const tabs = await problemAt(app, '/tabs/');
    assert.deepEqual([tabs.file, tabs.line], ['pages/tabs.md', 3]);
  });

  it('shows the YAML error in the tab, with the line marked', async () => {
    const html = await (await get(app, '/tabs/')).text();
    assert.match(html, /In <strong>pages\/tabs\.md<\/strong>, line 3/);
    assert.match(html, /<mark>3 \| \tdescription: tab<\/mark>/);
  });

  it('refuses front matter that is not keys and values, or that sets what the server sets', async () => {
    const list = await problemAt(app, '/not-a-map/');
    assert.deepEqual([list.status, list.file, list.line], [500, 'pages/not-a-map.md', 2]);
    assert.match(list.detail, /must be YAML keys and values/);
    const slug = await problemAt(app, '/sets-slug/');
    assert.deepEqual([slug.file, slug.line], ['pages/sets-slug.md', 3]);
    assert.match(slug.detail, /may not set "slug"/);
  });

  it('refuses an .md and an .html for the same URL, naming both files', async () => {
    const twice = await problemAt(app, '/twice/');
    assert.equal(twice.status, 500);
    assert.match(twice.detail, /pages\/twice\.(md|html).*pages\/twice\.(html|md) is the same page \(\/twice\/\)/);
    assert.match(twice.detail, /twice\.md/);
    assert.match(twice.detail, /twice\.html/);
  });

  it('counts template error lines in a Markdown page from the top of its file', async () => {
    const json = await problemAt(app, '/template-error/');
    assert.deepEqual([json.file, json.line], ['pages/template-error.md', 6]);
    assert.match(json.detail, /there is no page pages\/nowhere\.html or pages\/nowhere\.md/);
  });
});

describe('shared data', () => {
  let app: Running;
  let pagesDir: string;
  before(async () => {
    const site = makePages({
      '_data/plans.json': JSON.stringify([{ name: 'Free' }, { name: 'Pro' }]),
      '_data/company.yaml': 'name: Acme\naddress:\n  city: Springfield\n',
      '_data/links.yml': '- https://example.com\n',
      '_data/notes.txt': 'not data',
      '_drafts/secret.html': 'SECRET',
      '_hidden.html': 'SECRET',
      'uses.html': '{% for plan in data.plans %}<i>{{ plan.name }}</i>{% endfor %} {{ data.company.address.city }} {{ data.links[0] }} {{ data.notes or "none" }}',
    });
    pagesDir = site.pagesDir;
    const layoutDir = path.join(path.dirname(pagesDir), 'templates');
    cpSync(path.join(ROOT, 'templates'), layoutDir, { recursive: true });
    writeFiles(layoutDir, { '404.html': '{{ data.company.name }} has no such page' });
    app = await startApp({ ...site.env, TEMPLATES_DIR: layoutDir });
  });
  after(() => app.close());

  it('makes pages/_data/<name>.json, .yaml and .yml data.<name> in every page', async () => {
    const html = await (await get(app, '/uses/')).text();
    assert.match(mainOf(html), /<i>Free<\/i><i>Pro<\/i> Springfield https:\/\/example\.com none/);
  });

  it('gives the data to layouts too', async () => {
    const res = await get(app, '/missing/');
    assert.equal(res.status, 404);
    assert.equal(await res.text(), 'Acme has no such page');
  });

  it('never serves or lists files and folders whose name starts with _', async () => {
    for (const url of ['/_data/plans/', '/_drafts/secret/', '/_hidden/']) assert.equal((await get(app, url)).status, 404, url);
    const slugs = listPages(pagesDir).map((p) => p.slug);
    assert.ok(!slugs.some((slug) => slug.includes('_')), slugs.join());
  });

  it('names the data file and the position of invalid JSON and YAML', async () => {
    writeFileSync(path.join(pagesDir, '_data', 'plans.json'), '[\n  { "name": "Free" },\n  { "name": Pro }\n]');
    const json = await problemAt(app, '/uses/');
    assert.deepEqual([json.status, json.file, json.line, json.column], [500, 'pages/_data/plans.json', 3, 13]);
    assert.match(json.detail, /invalid JSON: expected a value but found "P"/);
    writeFileSync(path.join(pagesDir, '_data', 'plans.json'), '[]');
    writeFileSync(path.join(pagesDir, '_data', 'company.yaml'), 'name: Acme\naddress:\n  city: [Springfield\n');
    const yaml = await problemAt(app, '/uses/');
    assert.equal(yaml.file, 'pages/_data/company.yaml');
    assert.ok(yaml.line !== null && yaml.line >= 3, `line ${yaml.line}`);
    assert.match(yaml.detail, /invalid YAML/);
  });

  it('refuses two data files of one name', async () => {
    writeFileSync(path.join(pagesDir, '_data', 'company.yaml'), 'name: Acme\n');
    writeFileSync(path.join(pagesDir, '_data', 'company.json'), '{}');
    const json = await problemAt(app, '/uses/');
    assert.equal(json.status, 500);
    assert.match(json.detail, /pages\/_data\/company\.(json|yaml).*is data\.company already/);
    rmSync(path.join(pagesDir, '_data', 'company.json'));
  });
});

describe('pages made from data', () => {
  const team = [
    { name: 'Ada Lovelace', role: 'Design' },
    { name: 'Grace Hopper', role: 'Engineering', slug: 'grace' },
    { title: 'The Analyst', role: 'Research' },
  ];
  let app: Running;
  let pagesDir: string;
  before(async () => {
    const site = makePages({
      '_data/team.json': JSON.stringify(team),
      '_data/catalogue.yaml': 'products:\n  - name: Widget\n    price: 3\n  - name: Gadget\n    price: 5\nowner: Acme\n',
      'team/[member].html': '---\neach: team\ndescription: A member\n---\n<h1>{{ member.name or member.title }}</h1><p>{{ member.role }}</p><a href="{{ url("page", "team/grace") }}">Grace</a> {{ slug }}',
      'products/[product].md': '---\neach: catalogue.products\ntitle: Product\n---\n# {{ product.name }}\n\nCosts ${{ product.price }}.',
      'team/ada-lovelace.html': '<h1>Ada, by hand</h1>',
      'links.html': '{{ url("page", "team/the-analyst") }} {{ url("page", "products/gadget") }}',
      'bad/[x].html': '---\neach: catalogue.owner\n---\n',
      'nolist/[x].html': '---\neach: nothing.here\n---\n',
      'noeach/[x].html': '<p>no each</p>',
      'noslug/[x].html': '---\neach: noslug\n---\n',
      'twins/[x].html': '---\neach: twins\n---\n',
      '_data/noslug.json': JSON.stringify([{ name: 'Fine' }, { role: 'nameless' }]),
      '_data/twins.json': JSON.stringify([{ name: 'Ada' }, { name: 'Bob' }, { slug: 'ada' }]),
    });
    pagesDir = site.pagesDir;
    app = await startApp(site.env);
  });
  after(() => app.close());

  it('renders a [name].html once per entry, the entry as `name`, at /<folder>/<slug>/', async () => {
    const grace = await get(app, '/team/grace/');
    assert.equal(grace.status, 200);
    const html = await grace.text();
    assert.match(mainOf(html), /<h1>Grace Hopper<\/h1><p>Engineering<\/p><a href="\/team\/grace\/">Grace<\/a> team\/grace/);
    assert.equal(titleOf(html), 'Rapid Prototypes - Grace Hopper', 'titled after the entry');
    assert.equal(metaOf(html, 'description'), 'A member');
    const analyst = await (await get(app, '/team/the-analyst/')).text();
    assert.match(mainOf(analyst), /<h1>The Analyst<\/h1>/, 'slug from the title when there is no slug or name');
  });

  it('takes the list from a dotted path into a data file, for Markdown too', async () => {
    const html = await (await get(app, '/products/widget/')).text();
    assert.match(mainOf(html), /<h1 id="widget">Widget<\/h1>\s*<p>Costs \$3\.<\/p>/);
    assert.equal(titleOf(html), 'Rapid Prototypes - Product', 'the front matter title wins');
  });

  it('lets a page of its own win over a generated one, and never serves the template itself', async () => {
    assert.match(await (await get(app, '/team/ada-lovelace/')).text(), /Ada, by hand/);
    assert.equal((await get(app, '/team/%5Bmember%5D/')).status, 404);
    assert.equal((await get(app, '/team/nobody/')).status, 404);
  });

  it('finds generated pages with url()', async () => {
    assert.match(mainOf(await (await get(app, '/links/')).text()), /\/team\/the-analyst\/ \/products\/gadget\//);
  });

  it('lists every generated page, for the build and the DEBUG 404', () => {
    const clean = path.join(tempDir('lightweight-content-'), 'pages');
    cpSync(pagesDir, clean, { recursive: true });
    for (const broken of ['bad', 'nolist', 'noeach', 'noslug', 'twins']) rmSync(path.join(clean, broken), { recursive: true });
    const pages = listPages(clean).filter((p) => p.entry && (p.slug.startsWith('team/') || p.slug.startsWith('products/')));
    assert.deepEqual(
      pages.map((p) => [p.url, p.source, p.entry!.index]),
      [
        ['/products/gadget/', 'pages/products/[product].md', 1],
        ['/products/widget/', 'pages/products/[product].md', 0],
        ['/team/grace/', 'pages/team/[member].html', 1],
        ['/team/the-analyst/', 'pages/team/[member].html', 2],
      ],
    );
  });

  for (const [folder, pattern] of [
    ['bad', /pages\/bad\/\[x\]\.html: each: catalogue\.owner is string, not a list/],
    ['nolist', /pages\/nolist\/\[x\]\.html: each: nothing\.here names no data/],
    ['noeach', /pages\/noeach\/\[x\]\.html: a page named \[x\] is made from a list: say which, e\.g\. "each: team"/],
    ['noslug', /pages\/noslug\/\[x\]\.html: entry 2 of noslug \(pages\/_data\/noslug\.[a-z]+, line \d+\) needs a slug, name or title field/],
    ['twins', /pages\/twins\/\[x\]\.html: entries 1 and 3 of twins \(pages\/_data\/twins\.[a-z]+, lines \d+ and \d+\) both have the slug "ada"/],
  ] as const) {
    it(`names the file and the entry: ${folder}`, async () => {
      const json = await problemAt(app, `/${folder}/anything/`);
      assert.equal(json.status, 500);
      assert.match(json.detail, pattern);
      assert.equal(json.file, `pages/${folder}/[x].html`);
    });
  }

  it('fails the listing (so the build) on such an error, naming the file', () => {
    assert.throws(() => listPages(pagesDir), /pages\/(bad|nolist|noeach|noslug|twins)\/\[x\]\.html: /);
  });
});

describe('the starter site', () => {
  let app: Running;
  before(async () => {
    app = await startApp({ SERVICES: 'pages' });
  });
  after(() => app.close());

  it('has pages/about.md with front matter and a table of the shared plans', async () => {
    const html = await (await get(app, '/about/')).text();
    assert.equal(titleOf(html), 'Rapid Prototypes - About us');
    assert.match(mainOf(html), /<td>Pro<\/td>\s*<td style="text-align:right">\$15\/mo<\/td>/);
  });

  it('has a team index linking to a page per member of pages/_data/team.json', async () => {
    const html = await (await get(app, '/team/')).text();
    const links = [...mainOf(html).matchAll(/href="(\/team\/[^"]+\/)"/g)].map((m) => m[1]!);
    assert.deepEqual(links, ['/team/ada-lovelace/', '/team/grace-hopper/', '/team/alan-turing/', '/team/katherine/']);
    for (const link of links) {
      const page = await get(app, link);
      assert.equal(page.status, 200, link);
      assert.match(await page.text(), /<h1 class="display-5 fw-bold">[A-Z]/);
    }
  });
});

describe('npm run dev and data files', () => {
  it('tells open tabs to reload when a data file changes', async () => {
    const site = makePages({ '_data/team.json': '[]', 'count.html': '{{ data.team | length }}' });
    const app = await startApp(site.env, { dev: true });
    try {
      const res = await fetch(`${app.url}/__reload`, { signal: AbortSignal.timeout(10_000) });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let stream = '';
      while (!stream.includes('event: hello')) stream += (await reader.read()).value ?? '';
      writeFileSync(path.join(site.pagesDir, '_data', 'team.json'), '[{"name": "Ada"}]');
      while (!/event: change\ndata: (.*)\n/.test(stream)) stream += (await reader.read()).value ?? '';
      assert.match(/event: change\ndata: (.*)\n/.exec(stream)![1]!, /_data\/team\.json/);
      await reader.cancel();
      assert.match(mainOf(await (await get(app, '/count/')).text()), /^\s*1\s*$/, 'the page shows the new data');
    } finally {
      await app.close();
    }
  });
});

describe('npm run build and page errors', () => {
  const build = (env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'build.ts'], { cwd: ROOT, env: { ...process.env, ...env, BUILD_DIR: path.join(tempDir('lightweight-content-build-'), '_build') } });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });

  it('fails on invalid front matter, naming the file and the line', async () => {
    const site = makePages({ 'notes.md': '---\ntitle: Notes\ndescription: [unclosed\n---\n# Notes' });
    const result = await build(site.env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /pages\/notes\.md, line \d, column \d+: front matter: invalid YAML/);
  });

  it('fails on a page made from data that cannot be made, naming the file and the entry', async () => {
    const site = makePages({ '_data/team.json': '[{"name": "Ada"}, {"name": "ada"}]', 'team/[member].html': '---\neach: team\n---\n' });
    const result = await build(site.env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /pages\/team\/\[member\]\.html: entries 1 and 2 of team \(pages\/_data\/team\.json, lines 1 and 1\) both have the slug "ada"/);
  });
});
