// Errors that point at the line: unknown filters anywhere, image() on a file
// sharp cannot read, errors in layouts and in pages made from data, YAML and
// JSON mistakes in plain words at the line of the mistake, data entries
// counted from 1 with their line. Through the real app over HTTP.
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../src/settings.ts';
import { startApp, tempDir, type Running } from './helpers.ts';
import { NAV_PAGES, writeFiles } from './fixtures/site.ts';

interface Problem {
  file: string;
  line: number | null;
  column: number | null;
  detail: string;
}

async function siteApp(pages: Record<string, string>, templates: Record<string, string> = {}, staticFiles: Record<string, string> = {}): Promise<Running> {
  const root = tempDir('lightweight-errors-');
  const [pagesDir, templatesDir, staticDir] = ['pages', 'templates', 'static'].map((name) => path.join(root, name)) as [string, string, string];
  cpSync(path.join(ROOT, 'templates'), templatesDir, { recursive: true });
  cpSync(path.join(ROOT, 'static'), staticDir, { recursive: true });
  writeFiles(templatesDir, templates);
  writeFiles(staticDir, staticFiles);
  writeFiles(pagesDir, { ...NAV_PAGES, ...pages });
  return startApp({ SERVICES: 'pages', PAGES_DIR: pagesDir, TEMPLATES_DIR: templatesDir, STATIC_DIR: staticDir, IMAGE_CACHE_DIR: path.join(root, 'cache') });
}

/** The JSON a page error answers with (DEBUG on). */
async function problemOf(app: Running, url: string): Promise<Problem> {
  const res = await fetch(app.url + url, { headers: { accept: 'application/json' } });
  assert.equal(res.status, 500, url);
  return res.json();
}

describe('template errors have a file and a line', () => {
  let app: Running;
  before(async () => {
    app = await siteApp(
      {
        'filter.html': '<h1>Hi</h1>\n<p>{{ "x" | shout }}</p>',
        'filter-in-loop.md': '# List\n\n{% for i in [1, 2] %}\n- {{ i | twice }}\n{% endfor %}',
        'fancy.html': '---\nlayout: fancy\n---\n<p>fine</p>',
        'photo.html': "<h1>Photo</h1>\n<p>{{ image('img/logo.svg', { alt: 'Logo' }) if false }}</p>\n{{ image('img/broken.jpg', { alt: 'Broken' }) }}",
        '_data/people.yaml': '- name: Ada\n- name: Grace\n',
        'people/[person].html': '---\neach: people\n---\n<h1>{{ person.name }}</h1>\n<p>{{ person.name | nope }}</p>',
      },
      { 'fancy.html': '{% extends "base.html" %}\n{% block content %}\n{{ content | safe }}\n<footer>{{ "c" | missing_filter }}</footer>\n{% endblock %}' },
      { 'img/broken.jpg': 'not an image at all' },
    );
  });
  after(() => app.close());

  it('an unknown filter outside a loop', async () => {
    const json = await problemOf(app, '/filter/');
    assert.deepEqual([json.file, json.line, json.column], ['pages/filter.html', 2, 13]);
    assert.match(json.detail, /unknown filter \| shout/);
  });

  it('an unknown filter inside a loop, in Markdown', async () => {
    const json = await problemOf(app, '/filter-in-loop/');
    assert.deepEqual([json.file, json.line], ['pages/filter-in-loop.md', 4]);
    assert.match(json.detail, /unknown filter \| twice/);
  });

  it('an unknown filter in a layout', async () => {
    const json = await problemOf(app, '/fancy/');
    assert.deepEqual([json.file, json.line], ['templates/fancy.html', 4]);
    assert.match(json.detail, /unknown filter \| missing_filter/);
  });

  it('image() on a file sharp cannot read', async () => {
    const json = await problemOf(app, '/photo/');
    assert.deepEqual([json.file, json.line], ['pages/photo.html', 3]);
    assert.match(json.detail, /image\('img\/broken\.jpg'\): static\/img\/broken\.jpg: sharp cannot read it as an image/);
  });

  it('an error in a page made from data', async () => {
    const json = await problemOf(app, '/people/grace/');
    assert.deepEqual([json.file, json.line], ['pages/people/[person].html', 5]);
    assert.match(json.detail, /unknown filter \| nope/);
  });
});

describe('YAML and JSON mistakes, at their line, in plain words', () => {
  let app: Running;
  before(async () => {
    app = await siteApp({
      'indented.md': '---\ntitle: Pricing\n  description: Plans for everyone\n---\n# Pricing',
      'colon.md': '---\ntitle: Tip: read this\n---\n# Tip',
      'tab.html': '---\ntitle: Tabs\n\tdescription: x\n---\n<p>tab</p>',
      'quote.html': '---\ntitle: "Unclosed\ndescription: fine\n---\n<p>q</p>',
      'twice.html': '---\ntitle: One\nsubtitle: x\ntitle: Two\n---\n<p>t</p>',
      'data-yaml.html': '{{ data.clients | length }}',
      'data-json/page.html': '{{ data.plans | length }}',
    });
  });
  after(() => app.close());

  it('a line indented more than the one above it: names that line, not the one above', async () => {
    const json = await problemOf(app, '/indented/');
    assert.deepEqual([json.file, json.line, json.column], ['pages/indented.md', 3, 3]);
    assert.match(json.detail, /front matter: invalid YAML: this line is indented more than the one above it/);
    assert.match(json.detail, /\(the YAML parser says: Nested mappings are not allowed in compact mappings\)$/);
  });

  it('a value with a colon in it', async () => {
    const json = await problemOf(app, '/colon/');
    assert.deepEqual([json.line, json.column], [2, 8]);
    assert.match(json.detail, /a value with ": " in it needs quotes/);
  });

  it('a tab as indentation', async () => {
    const json = await problemOf(app, '/tab/');
    assert.deepEqual([json.line, json.column], [3, 1]);
    assert.match(json.detail, /indented with a tab; YAML needs spaces/);
  });

  it('a key set twice: names the whole key, at its second line', async () => {
    const json = await problemOf(app, '/twice/');
    assert.deepEqual([json.line, json.column], [4, 1]);
    assert.match(json.detail, /invalid YAML: "title" is set twice; keep one of the two lines \(the YAML parser says: Map keys must be unique\)$/);
  });

  it('a quote never closed: the line where it opens', async () => {
    const json = await problemOf(app, '/quote/');
    assert.deepEqual([json.line, json.column], [2, 8]);
    assert.match(json.detail, /this quote is never closed/);
  });
});

describe('data files', () => {
  it('a YAML data file: its line and column, plain words and the parser’s', async () => {
    const app = await siteApp({ '_data/clients.yaml': '- name: Acme\n  city: Paris\n - name: Globex\n', 'home.html': '{{ data.clients | length }}' });
    try {
      const json = await problemOf(app, '/home/');
      assert.deepEqual([json.file, json.line, json.column], ['pages/_data/clients.yaml', 3, 2]);
      assert.match(json.detail, /invalid YAML: this line is not lined up with the lines above it at the same level \(the YAML parser says: All sequence items must start at the same column\)/);
    } finally {
      await app.close();
    }
  });

  it('a JSON data file: plain words, then the parser’s own', async () => {
    const app = await siteApp({ '_data/plans.json': '[\n  { "name": "Free" },\n  { "name": "Pro", }\n]', 'home.html': '{{ data.plans | length }}' });
    try {
      const json = await problemOf(app, '/home/');
      assert.deepEqual([json.file, json.line, json.column], ['pages/_data/plans.json', 3, 18]);
      assert.match(json.detail, /invalid JSON: a comma before "\}" \(JSON allows no trailing comma\) \(the JSON parser says: [^)]+\)/);
    } finally {
      await app.close();
    }
  });

  it('numbers entries from 1, with their line in the data file', async () => {
    const clients = ['- name: Acme', '- name: Globex', '- city: Paris', '  country: France'].join('\n');
    const app = await siteApp({ '_data/clients.yaml': clients, 'clients/[client].html': '---\neach: clients\n---\n{{ client.name }}' });
    try {
      const json = await problemOf(app, '/clients/acme/');
      assert.equal(json.file, 'pages/clients/[client].html');
      assert.match(json.detail, /entry 3 of clients \(pages\/_data\/clients\.yaml, line 3\) needs a slug, name or title field/);
    } finally {
      await app.close();
    }
  });
});
