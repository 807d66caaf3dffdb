// A layout per page and defaults per folder: `layout:` in front matter or the
// context block, `layout: none`, {% extends %} without a second wrapping,
// pages/<folder>/_defaults.yaml and its precedence, and the error for a
// layout that does not exist. Through the real app over HTTP.
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../src/settings.ts';
import { startApp, tempDir, type Running } from './helpers.ts';
import { NAV_PAGES, writeFiles } from './fixtures/site.ts';

const HTML = { accept: 'text/html' };
const JSON_ONLY = { accept: 'application/json' };
const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, 'g'))?.length ?? 0;

describe('layouts', () => {
  let app: Running;
  before(async () => {
    const root = tempDir('lightweight-layouts-');
    const templatesDir = path.join(root, 'templates');
    cpSync(path.join(ROOT, 'templates'), templatesDir, { recursive: true });
    writeFiles(templatesDir, {
      'landing.html': '{% extends "base.html" %}{% block content %}<div class="landing">{% block banner %}Landing{% endblock %}|{{ content | safe }}</div>{% endblock %}',
      'docs.html': '{% extends "landing.html" %}{% block banner %}Docs: {{ title }}{% endblock %}',
    });
    const pagesDir = path.join(root, 'pages');
    writeFiles(pagesDir, {
      ...NAV_PAGES,
      'promo.md': '---\ntitle: Promo\nlayout: landing\n---\n# Buy now',
      'promo-block.html': '<p>From the block</p>{% block context %}{ "layout": "landing.html" }{% endblock %}',
      'bare.html': '---\nlayout: none\n---\n<svg xmlns="http://www.w3.org/2000/svg"></svg>',
      'bare-false.html': '<p>false too</p>{% block context %}{ "layout": false }{% endblock %}',
      'whole.html': '---\ntitle: Whole\n---\n{% extends "base.html" %}{% block content %}<h1>Whole</h1>{% endblock %}',
      'clash.html': '---\nlayout: landing\n---\n{% extends "base.html" %}{% block content %}<h1>Clash</h1>{% endblock %}',
      'docs/whole.html': '{% extends "base.html" %}{% block content %}<h1>Whole in docs</h1>{% endblock %}',
      'oops.md': '---\ntitle: Oops\nlayout: fancy\n---\n# Oops',
      'docs/_defaults.yaml': '# every page of docs/\nlayout: docs\ntitle: Docs\nsection: manual\n',
      'docs/intro.md': '# Intro ({{ section }})',
      'docs/own.md': '---\nlayout: page\n---\n# Own layout',
      'docs/api/_defaults.json': '{\n  "layout": "landing",\n  "section": "api"\n}',
      'docs/api/ref.md': '# Ref ({{ section }}, {{ title }})',
      'broken/_defaults.yml': 'title: Broken\n\nlayout: gone\n',
      'broken/page.md': '# Broken',
    });
    app = await startApp({ SERVICES: 'pages', PAGES_DIR: pagesDir, TEMPLATES_DIR: templatesDir });
  });
  after(() => app.close());

  const page = async (url: string) => {
    const res = await fetch(app.url + url, { headers: HTML });
    assert.equal(res.status, 200, url);
    return res.text();
  };
  const problem = async (url: string) => {
    const res = await fetch(app.url + url, { headers: JSON_ONLY });
    assert.equal(res.status, 500, url);
    return res.json();
  };

  it('places a page in the layout its front matter names', async () => {
    const html = await page('/promo/');
    assert.match(html, /<div class="landing">Landing\|<h1 id="buy-now">Buy now<\/h1>\n<\/div>/);
    assert.equal(count(html, /<!doctype html>/i), 1);
    assert.match(html, /<title>Rapid Prototypes<\/title>/, 'landing.html has no title block of its own');
  });

  it('takes the layout from the context block, with .html written out', async () => {
    assert.match(await page('/promo-block/'), /<div class="landing">Landing\|<p>From the block<\/p><\/div>/);
  });

  it('renders a page with layout: none or false as a whole document of its own', async () => {
    assert.equal((await page('/bare/')).trim(), '<svg xmlns="http://www.w3.org/2000/svg"></svg>');
    assert.equal((await page('/bare-false/')).trim(), '<p>false too</p>');
  });

  it('never wraps a page that extends a template a second time', async () => {
    const html = await page('/whole/');
    assert.equal(count(html, /<!doctype html>/i), 1);
    assert.equal(count(html, /<main>/), 1);
    assert.equal(count(html, /<nav /), 1);
    assert.equal(count(html, /bootstrap\.bundle\.min\.js/), 1);
    assert.match(html, /<main>\s*<h1>Whole<\/h1>\s*<\/main>/);
    // Its folder's default layout does not wrap it either.
    const inDocs = await page('/docs/whole/');
    assert.equal(count(inDocs, /<!doctype html>/i), 1);
    assert.match(inDocs, /<h1>Whole in docs<\/h1>/);
  });

  it('refuses a page that both extends a template and names a layout, rather than ignore the layout', async () => {
    const json = await problem('/clash/');
    assert.deepEqual([json.file, json.line], ['pages/clash.html', 2]);
    assert.match(json.detail, /layout: landing/);
    assert.match(json.detail, /\{% extends %\}/);
  });

  it('lets a layout extend another layout', async () => {
    const html = await page('/docs/intro/');
    assert.match(html, /<div class="landing">Docs: Docs\|<h1 id="intro-manual">Intro \(manual\)<\/h1>/);
  });

  it("gives a folder's pages its defaults; the page's own front matter wins", async () => {
    const own = await page('/docs/own/');
    assert.match(own, /<article class="container py-5 markdown-page">\s*<h1 id="own-layout">Own layout<\/h1>/);
    assert.match(own, /<title>Rapid Prototypes - Docs<\/title>/, 'the title still comes from the folder');
  });

  it("lets a nearer folder's defaults win over a farther one's, key by key", async () => {
    const html = await page('/docs/api/ref/');
    assert.match(html, /<div class="landing">Landing\|<h1 id="ref-api-docs">Ref \(api, Docs\)<\/h1>/);
  });

  it('names the page, the line of layout: and the layouts that exist, for a layout that does not', async () => {
    const json = await problem('/oops/');
    assert.deepEqual([json.file, json.line], ['pages/oops.md', 3]);
    assert.match(json.detail, /layout: fancy: there is no templates\/fancy\.html/);
    assert.match(json.detail, /Layouts in templates\/: 404\.html, base\.html, board\.html, docs\.html, landing\.html, page\.html/);
    assert.match(json.detail, /layout: none/);
  });

  it('names the folder defaults file and line when the missing layout comes from there', async () => {
    const json = await problem('/broken/page/');
    assert.deepEqual([json.file, json.line], ['pages/broken/_defaults.yml', 3]);
    assert.match(json.detail, /there is no templates\/gone\.html/);
  });
});
