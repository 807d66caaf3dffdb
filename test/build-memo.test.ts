// Pages a rebuild does not render again (src/publish/page-memo.ts): the
// real app renders the pages of a small site, and each rebuild counts the
// pages it asked the app for. A page is asked for again exactly when
// something it read changed: its own file, a template it used, a data name
// it looked up, a page it asked url() for, a static file it made image()
// renditions of.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { createApp, RESERVED_PREFIXES } from '../app.ts';
import { createPageIndex, listPages } from '../src/pages/files.ts';
import { openBuildCache } from '../src/publish/cache.ts';
import { pageMemo, type PageWork, type RenderPage } from '../src/publish/page-memo.ts';
import { loadSettings } from '../src/settings.ts';
import { writeFiles } from './fixtures/site.ts';
import { tempDir } from './helpers.ts';

const ALL = ['/', '/404.html', '/about/', '/gallery/', '/pricing/', '/team/', '/team/ada/', '/team/alan/'];

async function site() {
  const root = tempDir('lightweight-build-memo-');
  const dirs = { pagesDir: path.join(root, 'pages'), templatesDir: path.join(root, 'templates'), staticDir: path.join(root, 'static') };
  writeFiles(dirs.pagesDir, {
    'index.html': `{% include "partials/card.html" %} <a href="{{ url('page', 'about') }}">About</a>`,
    'about.html': '<h1>About</h1>',
    'pricing.html': '{% for plan in data.plans %}<p>{{ plan.name }}</p>{% endfor %}',
    'team.html': '{% for member in data.team %}<p>{{ member.name }}</p>{% endfor %}',
    'team/[member].html': '---\neach: team\n---\n<h1>{{ member.name }}</h1>',
    'gallery.html': `{{ image('img/hero.jpg', { alt: 'Hero' }) }}`,
    '_data/team.json': '[{"name": "Ada"}, {"name": "Alan"}]',
    '_data/plans.json': '[{"name": "Free"}]',
  });
  writeFiles(dirs.templatesDir, {
    'base.html': '<!doctype html><title>{{ title }}</title>{% block content %}{% endblock %}',
    'page.html': '{% extends "base.html" %}{% block content %}{{ content | safe }}{% endblock %}',
    'partials/card.html': '<div class="card">A card</div>',
    '404.html': '{% extends "base.html" %}{% block content %}Not found{% endblock %}',
  });
  const hero = path.join(dirs.staticDir, 'img/hero.jpg');
  writeFiles(dirs.staticDir, { 'img/hero.jpg': await sharp({ create: { width: 64, height: 48, channels: 3, background: '#336699' } }).jpeg().toBuffer() });
  const cacheDir = path.join(root, 'cache');
  const cache = openBuildCache(cacheDir, 'test');
  const settings = loadSettings({
    PAGES_DIR: dirs.pagesDir,
    TEMPLATES_DIR: dirs.templatesDir,
    STATIC_DIR: dirs.staticDir,
    IMAGE_CACHE_DIR: path.join(root, 'renditions'),
    SERVICES: 'pages',
    DEBUG: 'off',
    SECRET_KEY: 'k'.repeat(40),
    ALLOWED_HOSTS: 'localhost',
  });

  /** One build's worth of pages: which URLs the app was asked for, and what each answered. */
  const build = async (extra: { status?: number } = {}) => {
    // A new app each time, as each build is a new process.
    const app = await createApp(settings, () => {});
    const pages = listPages(dirs.pagesDir, ['/image', '/static', '/renditions']);
    const asked: string[] = [];
    const work: PageWork = new Map();
    const { fetch } = pageMemo({ cache, pages, templatePages: ['/404.html'], ...dirs, renderSettings: { debug: false }, work }, async (request) => {
      const url = new URL(request.url);
      asked.push(url.pathname + url.search);
      if (extra.status && url.pathname !== '/404.html') return new Response('broken', { status: extra.status, headers: { 'content-type': 'text/html' } });
      return app.app.fetch(request);
    });
    const answers: Record<string, string> = {};
    try {
      for (const url of [...ALL, '/about/?q=1']) {
        const response = await fetch(new Request(`http://localhost${url}`, { headers: { host: 'localhost', accept: 'text/html' } }));
        answers[url] = `${response.status} ${response.headers.get('content-type')} ${await response.text()}`;
      }
    } finally {
      await app.close();
    }
    await cache.settled();
    const reused = [...work].filter(([, how]) => how === 'reused').map(([url]) => url).sort();
    return { asked: asked.filter((url) => !url.includes('?')).sort(), answers, reused };
  };
  const edit = (dir: string, file: string, change: (text: string) => string) => writeFileSync(path.join(dir, file), change(readFileSync(path.join(dir, file), 'utf8')));
  return { dirs, hero, build, edit, cacheDir, cache, settings };
}

describe('pages a rebuild does not render again', () => {
  test('a rebuild with nothing changed renders no page, and answers as the app did; a query variant always asks the app', async () => {
    const { build } = await site();
    const first = await build();
    assert.deepEqual(first.asked, ALL);
    assert.equal(first.answers['/gallery/']!.includes('<picture'), true, 'image() made a picture');
    const second = await build();
    assert.deepEqual(second.asked, []);
    assert.deepEqual(second.reused, ALL, 'each told apart as reused');
    assert.deepEqual(second.answers, first.answers);
  });

  test('editing a page renders that page alone', async () => {
    const { dirs, build, edit } = await site();
    await build();
    edit(dirs.pagesDir, 'about.html', () => '<h1>About us</h1>');
    const after = await build();
    assert.deepEqual(after.asked, ['/about/']);
    assert.match(after.answers['/about/']!, /About us/);
    assert.deepEqual((await build()).asked, [], 'and then keeps it');
  });

  test('editing an include renders exactly the pages using it; editing the layout renders every page', async () => {
    const { dirs, build, edit } = await site();
    await build();
    edit(dirs.templatesDir, 'partials/card.html', (text) => text.replace('A card', 'An edited card'));
    assert.deepEqual((await build()).asked, ['/']);
    edit(dirs.templatesDir, 'base.html', (text) => `${text}<footer>edited</footer>`);
    const after = await build();
    assert.deepEqual(after.asked, ALL);
    for (const url of ALL) assert.match(after.answers[url]!, /<footer>edited<\/footer>/, url);
  });

  test('editing a data file renders exactly the pages reading that name', async () => {
    const { dirs, build, edit } = await site();
    await build();
    edit(dirs.pagesDir, '_data/team.json', (text) => text.replace('"Ada"}', '"Ada", "role": "Lead"}'));
    assert.deepEqual((await build()).asked, ['/team/', '/team/ada/', '/team/alan/']);
    edit(dirs.pagesDir, '_data/plans.json', (text) => text.replace('Free', 'Gratis'));
    const after = await build();
    assert.deepEqual(after.asked, ['/pricing/']);
    assert.match(after.answers['/pricing/']!, /Gratis/);
  });

  test('adding or editing a folder\'s defaults renders exactly the pages in that folder and below', async () => {
    const { dirs, build, edit } = await site();
    writeFiles(dirs.templatesDir, { 'member.html': '{% extends "base.html" %}{% block content %}<article>{{ content | safe }}</article>{% endblock %}' });
    await build();
    writeFiles(dirs.pagesDir, { 'team/_defaults.yaml': 'layout: member\n' });
    const added = await build();
    assert.deepEqual(added.asked, ['/team/ada/', '/team/alan/']);
    assert.match(added.answers['/team/ada/']!, /<article>\s*<h1>Ada<\/h1><\/article>/);
    assert.deepEqual((await build()).asked, [], 'and then keeps them');
    edit(dirs.pagesDir, 'team/_defaults.yaml', () => 'layout: page\n');
    assert.deepEqual((await build()).asked, ['/team/ada/', '/team/alan/']);
    writeFiles(dirs.pagesDir, { '_defaults.json': '{"title": "Our site"}' });
    const everywhere = await build();
    assert.deepEqual(everywhere.asked, ALL.filter((url) => url !== '/404.html'), 'every page under pages/; the 404 page is made from templates alone');
    assert.match(everywhere.answers['/about/']!, /<title>Our site<\/title>/);
  });

  test('editing a static file renders the pages making image() renditions of it, and no other', async () => {
    const { hero, build } = await site();
    await build();
    writeFileSync(hero, await sharp({ create: { width: 64, height: 48, channels: 3, background: '#993366' } }).jpeg().toBuffer());
    assert.deepEqual((await build()).asked, ['/gallery/']);
  });

  test('adding a page renders no other page: url() of a page that stays where it is keeps its pages', async () => {
    const { dirs, build } = await site();
    await build();
    writeFiles(dirs.pagesDir, { 'new.html': '<h1>New</h1>' });
    assert.deepEqual((await build()).asked, [], 'the new page is not among the URLs this test asks for');
  });

  test('a page using now() is reused while now() gives the same, and rendered again when it does not, through templates too', async (t) => {
    const { dirs, build } = await site();
    t.mock.timers.enable({ apis: ['Date'], now: new Date(2026, 11, 31, 23, 58).getTime() });
    writeFiles(dirs.pagesDir, { 'about.html': "<p>&copy; {{ now('Y') }}</p>" });
    writeFiles(dirs.templatesDir, { 'partials/card.html': '{% set day = now %}{{ day("N j, Y") }}' });
    const first = await build();
    assert.match(first.answers['/about/']!, /&copy; 2026/);
    assert.deepEqual((await build()).asked, [], 'the same year and day: nothing rendered');
    t.mock.timers.tick(60_000);
    assert.deepEqual((await build()).asked, [], 'a minute later, still the same text');
    t.mock.timers.tick(120_000);
    const next = await build();
    assert.deepEqual(next.asked, ['/', '/about/'], 'the new year: the page showing it, and the one whose include shows the day');
    assert.match(next.answers['/about/']!, /&copy; 2027/);
    assert.deepEqual((await build()).asked, []);
    writeFiles(dirs.pagesDir, { 'about.html': "<p>{{ now('H:i:s.u') }}</p>" });
    await build();
    t.mock.timers.tick(1);
    assert.deepEqual((await build()).asked, ['/about/'], 'a page showing the time is rendered each time it moves');
  });

  test('keeps the pages in one file, and renders them again when it is damaged or cut short', async () => {
    const { build, cacheDir } = await site();
    const first = await build();
    assert.deepEqual(readdirSync(path.join(cacheDir, 'page')), ['pack']);
    const pack = path.join(cacheDir, 'page', 'pack');
    assert.deepEqual((await build()).asked, [], 'the pack answers every page');

    const bytes = readFileSync(pack);
    bytes[10] = bytes[10]! ^ 0xff; // inside the first entry's payload
    writeFileSync(pack, bytes);
    const damaged = await build();
    assert.equal(damaged.asked.length, 1, `one page asked again: ${damaged.asked.join(', ')}`);
    assert.deepEqual(damaged.answers, first.answers);

    writeFileSync(pack, readFileSync(pack).subarray(0, 20));
    assert.deepEqual((await build()).asked, ALL);
    assert.deepEqual((await build()).asked, [], 'and kept again');
  });

  test('an error page is never kept', async () => {
    const { build } = await site();
    await build({ status: 500 });
    assert.deepEqual((await build({ status: 500 })).asked, ALL.filter((url) => url !== '/404.html'), 'the pages answered 500 are asked again, the 404 page kept');
  });
});

describe('pages rendered without a Request (app.ts `page`)', () => {
  test("the pages part's direct answer is the app's: the same type and body for every page of the starter site and the 404 page, null for what only the app answers", async () => {
    const settings = loadSettings({ SERVICES: 'pages', DEBUG: 'off', SECRET_KEY: 'k'.repeat(40), ALLOWED_HOSTS: 'localhost', IMAGE_CACHE_DIR: tempDir('lightweight-direct-renditions-') });
    const app = await createApp(settings, () => {});
    try {
      const pages = listPages(settings.pagesDir, RESERVED_PREFIXES);
      assert.ok(pages.some((page) => !page.url.endsWith('/')), 'a text page (the feed) among them');
      for (const page of pages) {
        const direct = await app.page!(page.url);
        const response = await app.app.fetch(new Request(`http://localhost${page.url}`, { headers: { host: 'localhost', accept: 'text/html' } }));
        assert.equal(response.status, 200, page.url);
        assert.deepEqual(direct, { contentType: response.headers.get('content-type'), body: await response.text() }, page.url);
      }
      const notFound = await app.app.fetch(new Request('http://localhost/404.html', { headers: { host: 'localhost', accept: 'text/html' } }));
      assert.equal(notFound.status, 404);
      assert.deepEqual(await app.page!('/404.html'), { status: 404, contentType: notFound.headers.get('content-type'), body: await notFound.text() }, 'the 404 page a static host serves');
      const about = pages.find((page) => page.url.length > 2 && page.url.endsWith('/'))!.url;
      for (const other of ['/no-such-page/', about.slice(0, -1), `${about}/`, '/static/site.css', '/image/300x200/']) {
        assert.equal(await app.page!(other), null, other);
      }
    } finally {
      await app.close();
    }
  });

  test('the app given the build\'s table of pages answers from it, without making its own', async () => {
    const { settings, dirs } = await site();
    const pageIndex = createPageIndex(dirs.pagesDir, { cached: true });
    const urls = pageIndex.list(['/image', '/static', '/renditions']).map((page) => page.url);
    writeFileSync(path.join(dirs.pagesDir, 'later.html'), '<p>Added after the table was made</p>');
    const app = await createApp(settings, () => {}, { pageIndex });
    const fresh = await createApp(settings, () => {});
    try {
      assert.ok(urls.includes('/about/') && !urls.includes('/later/'));
      assert.match((await app.page!('/about/'))!.body, /About/);
      assert.equal(await app.page!('/later/'), null, 'a page the table does not have');
      assert.match((await fresh.page!('/later/'))!.body, /Added after/, 'an app making its own table has it');
    } finally {
      await app.close();
      await fresh.close();
    }
    await assert.rejects(createApp({ ...settings, debug: true }, () => {}, { pageIndex }), /not for DEBUG or dev/);
  });

  test('a page rendered directly is kept with what it read, and reused until that changes', async () => {
    const { settings, dirs, cache } = await site();
    const renderedBy = async (memoOf: (render: RenderPage) => ReturnType<typeof pageMemo>) => {
      const app = await createApp(settings, () => {});
      const rendered: string[] = [];
      try {
        const memo = memoOf(async (urlPath) => {
          rendered.push(urlPath);
          return app.page!(urlPath);
        });
        const answers = await Promise.all(['/', '/about/', '/404.html'].map(async (url) => (await memo.answer(`http://localhost${url}`, 'text/html'))?.text() ?? null));
        return { rendered, answers };
      } finally {
        await app.close();
        await cache.settled();
      }
    };
    const pages = listPages(dirs.pagesDir, ['/image', '/static', '/renditions']);
    const memoOf = (render: RenderPage) =>
      pageMemo({ cache, pages, templatePages: ['/404.html'], ...dirs, renderSettings: { debug: false } }, () => Promise.reject(new Error('no page is asked of the app here')), render);
    const first = await renderedBy(memoOf);
    assert.deepEqual(first.rendered, ['/', '/about/', '/404.html']);
    assert.match(first.answers[0]!, /A card/);
    assert.match(first.answers[2]!, /Not found/, 'the 404 page, rendered directly too');
    const again = await renderedBy(memoOf);
    assert.deepEqual(again.rendered, [], 'the pages were kept');
    assert.deepEqual(again.answers, first.answers);
    writeFileSync(path.join(dirs.templatesDir, 'partials/card.html'), '<div class="card">Another card</div>');
    const edited = await renderedBy(memoOf);
    assert.deepEqual(edited.rendered, ['/'], 'the page including the edited template, alone');
    assert.match(edited.answers[0]!, /Another card/);
  });
});
