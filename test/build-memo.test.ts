// Pages a rebuild does not render again (src/publish/page-memo.ts): the
// app is asked for a page again exactly when one of its inputs changed.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { openBuildCache } from '../src/publish/cache.ts';
import { pageMemo, usesNow, type MemoPage } from '../src/publish/page-memo.ts';
import { writeFiles } from './fixtures/site.ts';
import { tempDir } from './helpers.ts';

function site() {
  const root = tempDir('lightweight-build-memo-');
  const dirs = { pagesDir: path.join(root, 'pages'), templatesDir: path.join(root, 'templates'), staticDir: path.join(root, 'static') };
  writeFiles(dirs.pagesDir, { 'index.html': '<h1>Home</h1>', 'about.html': '<h1>About</h1>', '_data/team.json': '[{"name": "Ada"}]' });
  writeFiles(dirs.templatesDir, { 'page.html': '{{ content }}', '404.html': 'Not found' });
  writeFiles(dirs.staticDir, { 'css/site.css': 'body { color: red }', 'img/hero.jpg': 'not really a jpeg' });
  const pages: MemoPage[] = [
    { url: '/', file: path.join(dirs.pagesDir, 'index.html') },
    { url: '/about/', file: path.join(dirs.pagesDir, 'about.html') },
  ];
  const cache = openBuildCache(path.join(root, 'cache'), 'test');
  /** Which URLs one build asked the app for, and what it got for each. */
  const build = async (extra: { status?: number; pages?: MemoPage[] } = {}) => {
    const asked: string[] = [];
    const fetch = pageMemo({ cache, pages: extra.pages ?? pages, templatePages: ['/404.html'], ...dirs, renderSettings: { debug: false } }, (request) => {
      const url = new URL(request.url);
      asked.push(url.pathname + url.search);
      const status = url.pathname === '/404.html' ? 404 : (extra.status ?? 200);
      return new Response(`<p>${url.pathname} rendered</p>`, { status, headers: { 'content-type': 'text/html; charset=UTF-8' } });
    });
    const answers: Record<string, string> = {};
    for (const url of ['/', '/about/', '/404.html', '/about/?q=1']) {
      const response = await fetch(new Request(`http://localhost${url}`, { headers: { accept: 'text/html' } }));
      answers[url] = `${response.status} ${response.headers.get('content-type')} ${await response.text()}`;
    }
    await cache.settled();
    return { asked: asked.sort(), answers };
  };
  return { dirs, pages, build, cacheDir: path.join(root, 'cache') };
}

describe('pages a rebuild does not render again', () => {
  test('an unchanged page is answered from the cache as the app answered it; a query variant always asks the app', async () => {
    const { build } = site();
    const first = await build();
    assert.deepEqual(first.asked, ['/', '/404.html', '/about/', '/about/?q=1']);
    const second = await build();
    assert.deepEqual(second.asked, ['/about/?q=1']);
    assert.deepEqual(second.answers, first.answers);
    assert.equal(second.answers['/404.html'], '404 text/html; charset=UTF-8 <p>/404.html rendered</p>');
  });

  test("editing a page renders that page again, and no other", async () => {
    const { dirs, build } = site();
    await build();
    writeFiles(dirs.pagesDir, { 'about.html': '<h1>About us</h1>' });
    assert.deepEqual((await build()).asked, ['/about/', '/about/?q=1']);
  });

  for (const [what, folder, file] of [
    ['a layout', 'templatesDir', 'page.html'],
    ['a new template', 'templatesDir', 'partials/card.html'],
    ['a data file', 'pagesDir', '_data/team.json'],
    ['a static file (a stylesheet, an image() source)', 'staticDir', 'img/hero.jpg'],
  ] as const) {
    test(`editing ${what} renders every page again`, async () => {
      const { dirs, build } = site();
      await build();
      writeFiles(dirs[folder], { [file]: 'edited' });
      assert.deepEqual((await build()).asked, ['/', '/404.html', '/about/', '/about/?q=1']);
      assert.deepEqual((await build()).asked, ['/about/?q=1'], 'and then keeps them');
    });
  }

  test('adding or removing a page renders every page again (url() and the lists of pages depend on it)', async () => {
    const { dirs, pages, build } = site();
    await build();
    writeFiles(dirs.pagesDir, { 'new.html': 'new' });
    const more = [...pages, { url: '/new/', file: path.join(dirs.pagesDir, 'new.html') }];
    assert.deepEqual((await build({ pages: more })).asked, ['/', '/404.html', '/about/', '/about/?q=1']);
  });

  test('a page using now(), or with templates using it, is rendered every time', async () => {
    const { dirs, build } = site();
    writeFiles(dirs.pagesDir, { 'about.html': "<p>&copy; {{ now('Y') }}</p>" });
    await build();
    assert.deepEqual((await build()).asked, ['/about/', '/about/?q=1']);
    writeFiles(dirs.templatesDir, { 'page.html': '{% set year = now %}{{ content }} {{ year("Y") }}' });
    await build();
    assert.deepEqual((await build()).asked, ['/', '/404.html', '/about/', '/about/?q=1']);
  });

  test('keeps the pages in one file, and renders them all again when it is damaged or cut short', async () => {
    const { build, cacheDir } = site();
    const first = await build();
    assert.deepEqual(readdirSync(path.join(cacheDir, 'page')), ['pack']);
    const pack = path.join(cacheDir, 'page', 'pack');
    assert.deepEqual((await build()).asked, ['/about/?q=1'], 'the pack answers every page');

    const bytes = readFileSync(pack);
    bytes[10] = bytes[10]! ^ 0xff; // inside the first entry's payload
    writeFileSync(pack, bytes);
    const damaged = await build();
    assert.equal(damaged.asked.length, 2, `one page asked again: ${damaged.asked.join(', ')}`);
    assert.deepEqual(damaged.answers, first.answers);

    writeFileSync(pack, readFileSync(pack).subarray(0, 20));
    assert.deepEqual((await build()).asked, ['/', '/404.html', '/about/', '/about/?q=1']);
    assert.deepEqual((await build()).asked, ['/about/?q=1'], 'and kept again');
  });

  test('an error page is never kept', async () => {
    const { build } = site();
    await build({ status: 500 });
    assert.deepEqual((await build({ status: 500 })).asked, ['/', '/about/', '/about/?q=1'], 'the pages answered 500 are asked again, the 404 page kept');
  });

  test('now is found in tags and outputs, not in the text around them', () => {
    assert.ok(usesNow("{{ now('Y') }}"));
    assert.ok(usesNow('{%- set t = now -%}'));
    assert.ok(usesNow('{{ "x" if now("Y") > 2000 }}'));
    assert.ok(!usesNow('<p>Sign up now (it is free)</p> {{ title }} {% if known %}now{% endif %}'));
    assert.ok(!usesNow('{{ nowhere }} {{ snow }}'));
  });
});
