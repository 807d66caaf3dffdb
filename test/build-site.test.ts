// `npm run build` on the starter site, as a person runs it: build.ts in its
// own process, the real app (pages and placeholder images) asked in-process,
// into a temporary BUILD_DIR. Then the built site in Chromium, through the
// preview server, as a visitor would see it on a static host.
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { htmlUrls } from '../src/publish/html.ts';
import { previewRoutes } from '../src/publish/preview.ts';
import { ROOT } from '../src/settings.ts';
import { staticUrl } from '../src/templates/helpers.ts';
import { runBuild, type BuildResult } from './fixtures/build-process.ts';
import { launchChromium, onFailedRequest, startApp, tempDir } from './helpers.ts';
import { writeFiles } from './fixtures/site.ts';

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');
const TEAM = ['ada-lovelace', 'alan-turing', 'grace-hopper', 'katherine'];
/** The blog: its index in two slices, three posts (one at its permalink), a page per tag. */
const BLOG = ['blog/index.html', 'blog/page/2/index.html', 'blog/hello-prototypes/index.html', 'blog/placeholder-images/index.html', 'blog/2026/publishing/index.html', ...['images', 'post', 'process'].map((tag) => `tags/${tag}/index.html`)];
const STARTER_PAGES = ['index.html', 'about/index.html', 'pricing/index.html', 'contact/index.html', 'login/index.html', 'team/index.html', ...TEAM.map((member) => `team/${member}/index.html`), ...BLOG];
/** The manifest key of Bootstrap's CSS: the URL static() hands out, under the package's version. */
const BOOTSTRAP_CSS = staticUrl('vendor/bootstrap/css/bootstrap.min.css').slice(1);

function allFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? allFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

describe('npm run build on the starter site', () => {
  const buildDir = path.join(tempDir('lightweight-build-site-'), '_build');
  let first: BuildResult;

  before(async () => {
    first = await runBuild([], { BUILD_DIR: buildDir, SITE_URL: 'https://prototypes.example.com' });
  });

  test('builds every page, the 404 page, sitemap and robots.txt, and sums up', () => {
    assert.equal(first.code, 0, first.stderr);
    for (const file of [...STARTER_PAGES, '404.html', 'manifest.json', 'sitemap.xml', 'robots.txt']) {
      assert.ok(existsSync(path.join(buildDir, file)), file);
    }
    // The project's own cache may know these pages from an earlier npm run build.
    const counts = /^Built 18 pages \((\d+) rendered, (\d+) reused\), \d+ assets and \d+ images into .* in [\d.]+ s/m.exec(first.stdout);
    assert.ok(counts, first.stdout);
    assert.equal(Number(counts[1]) + Number(counts[2]), 18);
    assert.match(first.stdout, /files: [\d.]+ (KiB|MiB) raw, [\d.]+ (KiB|MiB) gzip, [\d.]+ (KiB|MiB) brotli/);
    assert.match(read(buildDir, '404.html'), /Page not found/);
    const locs = [...read(buildDir, 'sitemap.xml').matchAll(/<loc>(.*?)<\/loc>/g)].map((m) => m[1]);
    const urls = ['/', '/about/', '/contact/', '/login/', '/pricing/', '/team/', ...TEAM.map((member) => `/team/${member}/`), ...BLOG.map((page) => `/${page.slice(0, -'index.html'.length)}`)];
    assert.deepEqual(locs, urls.sort().map((p) => `https://prototypes.example.com${p}`));
  });

  test('Bootstrap and the site CSS are hashed, and every page points at the hashed files', () => {
    const manifest = JSON.parse(read(buildDir, 'manifest.json')) as Record<string, string>;
    const bootstrap = manifest[BOOTSTRAP_CSS];
    const site = manifest['static/css/site.css'];
    assert.match(bootstrap ?? '', /^static\/vendor\/bootstrap\/[\d.]+\/css\/bootstrap\.min\.[0-9a-f]{8}\.css$/);
    assert.match(site ?? '', /^static\/css\/site\.[0-9a-f]{8}\.css$/);
    for (const page of STARTER_PAGES) {
      const urls = htmlUrls(read(buildDir, page));
      assert.ok(urls.includes(`/${bootstrap}`) && urls.includes(`/${site}`), page);
      assert.ok(!urls.some((u) => u.startsWith('/static/') && !Object.values(manifest).includes(u.slice(1))), `${page}: ${urls.join(' ')}`);
      assert.ok(!urls.some((u) => u.startsWith('/image/') && !/^\/image\/[^/?]+\.(png|jpg|webp|avif|gif|svg)$/.test(u)), `${page}: ${urls.join(' ')}`);
    }
  });

  test('each placeholder image is a file that decodes at the size its <img> declares', async () => {
    let checked = 0;
    for (const page of STARTER_PAGES) {
      for (const tag of read(buildDir, page).match(/<img\b[^>]*>/g) ?? []) {
        const src = /\bsrc="(\/image\/[^"]+)"/.exec(tag)?.[1];
        if (!src) continue;
        const width = Number(/\bwidth="(\d+)"/.exec(tag)?.[1]);
        const height = Number(/\bheight="(\d+)"/.exec(tag)?.[1]);
        const meta = await sharp(path.join(buildDir, src)).metadata();
        assert.deepEqual([meta.width, meta.height], [width, height], src);
        assert.equal(`.${meta.format}`, path.extname(src).replace('jpg', 'jpeg'), src);
        checked++;
      }
    }
    assert.ok(checked >= 4, `${checked} images checked`);
  });

  test('text files over 1 KiB have .gz and .br siblings that decompress to them', () => {
    const files = allFiles(buildDir).filter((f) => /\.(html|css|js|svg|json|xml)$/.test(f));
    for (const file of files) {
      const original = readFileSync(path.join(buildDir, file));
      if (original.length <= 1024) continue;
      assert.deepEqual(zlib.gunzipSync(readFileSync(path.join(buildDir, `${file}.gz`))), original, file);
      assert.deepEqual(zlib.brotliDecompressSync(readFileSync(path.join(buildDir, `${file}.br`))), original, file);
    }
    assert.ok(existsSync(path.join(buildDir, `${JSON.parse(read(buildDir, 'manifest.json'))[BOOTSTRAP_CSS]}.br`)));
  });

  test('two builds give the same bytes (lorem random included), with or without the cache', async () => {
    const again = path.join(tempDir('lightweight-build-again-'), '_build');
    const result = await runBuild([], { BUILD_DIR: again, SITE_URL: 'https://prototypes.example.com', BUILD_CACHE: 'off' });
    assert.equal(result.code, 0, result.stderr);
    const files = allFiles(buildDir).sort();
    assert.deepEqual(allFiles(again).sort(), files);
    for (const file of files) assert.ok(readFileSync(path.join(again, file)).equals(readFileSync(path.join(buildDir, file))), file);
  });

  test('a page shows the same random lorem text in the dev server as in the build', async () => {
    const app = await startApp({ SERVICES: 'pages' }, { dev: true });
    try {
      const served = await (await fetch(`${app.url}/contact/`)).text();
      const lead = (html: string) => /<p class="lead text-body-secondary">([^<]+)<\/p>/.exec(html)?.[1];
      assert.ok(lead(served), 'the contact page has its random lead');
      assert.equal(lead(read(buildDir, 'contact/index.html')), lead(served));
    } finally {
      await app.close();
    }
  });

  test('after editing one page, a full build rewrites just that page; named pages are rebuilt in place', async () => {
    const pagesDir = tempDir('lightweight-build-edit-');
    cpSync(path.join(ROOT, 'pages'), pagesDir, { recursive: true });
    const mtimes = () => Object.fromEntries(allFiles(buildDir).map((f) => [f, statSync(path.join(buildDir, f)).mtimeMs]));
    const edit = (text: string) => writeFileSync(path.join(pagesDir, 'pricing.html'), read(path.join(ROOT, 'pages'), 'pricing.html').replace('</h1>', `${text}</h1>`));

    let before = mtimes();
    edit(' (edited)');
    const full = await runBuild([], { BUILD_DIR: buildDir, PAGES_DIR: pagesDir, SITE_URL: 'https://prototypes.example.com' });
    assert.equal(full.code, 0, full.stderr);
    let after = mtimes();
    const changed = Object.keys(after).filter((f) => after[f] !== before[f]).sort();
    // The search index follows the page's words: its entry files, the page's fragment and the index chunks they touch.
    const index = changed.filter((f) => f.startsWith('pagefind/'));
    assert.deepEqual(changed.filter((f) => !index.includes(f)), ['pricing/index.html', 'pricing/index.html.br', 'pricing/index.html.gz']);
    assert.ok(index.includes('pagefind/pagefind-entry.json') && index.some((f) => f.startsWith('pagefind/fragment/')), index.join(' '));
    const written = 1 + index.filter((f) => !/\.(gz|br)$/.test(f)).length;
    assert.match(full.stdout, new RegExp(`; ${written} written, \\d+ unchanged`));
    assert.match(read(buildDir, 'pricing/index.html'), /\(edited\)<\/h1>/);

    before = after;
    edit(' (edited twice)');
    const named = await runBuild(['pricing'], { BUILD_DIR: buildDir, PAGES_DIR: pagesDir });
    assert.equal(named.code, 0, named.stderr);
    assert.match(named.stdout, /^Built 1 page \(1 rendered, 0 reused\),/m);
    after = mtimes();
    for (const page of STARTER_PAGES) {
      if (page === 'pricing/index.html') assert.ok(after[page]! > before[page]!, 'pricing rewritten');
      else assert.equal(after[page], before[page], `${page} untouched`);
    }
  });

  test('over a warm cache, an edit of a layout, a data file or a linked stylesheet reaches every page using it', async () => {
    const sources = tempDir('lightweight-build-inputs-');
    for (const folder of ['pages', 'templates', 'static']) cpSync(path.join(ROOT, folder), path.join(sources, folder), { recursive: true });
    const env = { PAGES_DIR: path.join(sources, 'pages'), TEMPLATES_DIR: path.join(sources, 'templates'), STATIC_DIR: path.join(sources, 'static') };
    const site = path.join(tempDir('lightweight-build-inputs-site-'), '_build');
    /** Rebuild; how many pages the app rendered (the others come from the cache). */
    const rebuild = async () => {
      const result = await runBuild([], { ...env, BUILD_DIR: site });
      assert.equal(result.code, 0, result.stderr);
      const counts = /^Built 18 pages \((\d+) rendered, (\d+) reused\)/m.exec(result.stdout);
      assert.ok(counts, result.stdout);
      return Number(counts[1]);
    };
    const editFile = (file: string, change: (text: string) => string) => writeFileSync(path.join(sources, file), change(read(sources, file)));
    // pages/index.html shows the year with now(): it is the same page until the year turns.
    assert.equal(await rebuild(), 18);
    assert.equal(await rebuild(), 0, 'nothing changed, nothing rendered');

    editFile('templates/base.html', (text) => text.replace('</body>', '<p id="layout-edit">edited layout</p>\n</body>'));
    assert.equal(await rebuild(), 18);
    for (const page of [...STARTER_PAGES, '404.html']) assert.match(read(site, page), /edited layout/, page);

    editFile('pages/_data/team.json', (text) => text.replace('Design lead', 'Chief of design'));
    assert.equal(await rebuild(), 2 + TEAM.length, 'the team page, its members and the about page read data.team');
    assert.match(read(site, 'team/ada-lovelace/index.html'), /Chief of design/);

    const sheet = () => JSON.parse(read(site, 'manifest.json'))['static/css/site.css'] as string;
    const before = sheet();
    editFile('static/css/site.css', (text) => `${text}\n.edited { color: red }\n`);
    assert.equal(await rebuild(), 0, 'a stylesheet is linked, not rendered: its pages are rewritten with its new name');
    assert.notEqual(sheet(), before);
    for (const page of STARTER_PAGES) assert.ok(htmlUrls(read(site, page)).includes(`/${sheet()}`), `${page} links the new stylesheet`);

    // And all of it exactly as a build without the cache makes it.
    const fresh = path.join(tempDir('lightweight-build-inputs-fresh-'), '_build');
    const uncached = await runBuild([], { ...env, BUILD_DIR: fresh, BUILD_CACHE: 'off' });
    assert.equal(uncached.code, 0, uncached.stderr);
    const files = allFiles(fresh).sort();
    assert.deepEqual(allFiles(site).sort(), files);
    for (const file of files) assert.ok(readFileSync(path.join(site, file)).equals(readFileSync(path.join(fresh, file))), file);
  });

  test('unknown page names exit 1 with the book\'s message, and the slugs meant by names written as URLs or files', async () => {
    const result = await runBuild(['index', 'foo', 'bar'], { BUILD_DIR: buildDir });
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim(), 'Invalid pages: foo, bar');
    const asUrls = await runBuild(['/about/', 'pages/pricing.md', 'foo'], { BUILD_DIR: buildDir });
    assert.equal(asUrls.code, 1);
    assert.equal(asUrls.stderr.trim(), 'Invalid pages: /about/, pages/pricing.md, foo\nPages are named by slug: npm run build -- about pricing');
    const otherFolder = path.join(tempDir('lightweight-build-named-'), 'site-pages');
    cpSync(path.join(ROOT, 'pages'), otherFolder, { recursive: true });
    const underItsName = await runBuild(['site-pages/about.md'], { BUILD_DIR: buildDir, PAGES_DIR: otherFolder });
    assert.equal(underItsName.stderr.trim(), 'Invalid pages: site-pages/about.md\nPages are named by slug: npm run build -- about');
  });

  test('a broken link or an image without alt fails the build, naming the page file and line and the URL, and the last good site stays', async () => {
    const pagesDir = tempDir('lightweight-build-pages-');
    cpSync(path.join(ROOT, 'pages'), pagesDir, { recursive: true });
    writeFileSync(path.join(pagesDir, 'broken.html'), '<h1>Broken</h1>\n<p>See <a href="/no-such-page/">this</a>.</p>\n<img src="https://example.com/chart.png">\n');
    const before = read(buildDir, 'index.html');
    const result = await runBuild([], { BUILD_DIR: buildDir, PAGES_DIR: pagesDir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^A broken link in the built site:\n  \S+\/broken\.html, line 2 \(\/broken\/\): \/no-such-page\/ \(the app answered 404\)$/m);
    assert.match(result.stderr, /^An image without alt in the built site:\n  \S+\/broken\.html, line 3 \(\/broken\/\): https:\/\/example\.com\/chart\.png \(an <img> without alt/m);
    assert.equal(read(buildDir, 'index.html'), before);
    assert.ok(!existsSync(path.join(buildDir, 'broken')));
    assert.deepEqual(readdirSync(path.dirname(buildDir)), ['_build'], 'no staging folder left behind');
  });

  test('a broken link or an image without alt on a page reused from the cache is still reported with its file and line, under BASE_PATH too', async () => {
    const pagesDir = tempDir('lightweight-build-reused-');
    cpSync(path.join(ROOT, 'pages'), pagesDir, { recursive: true });
    writeFileSync(path.join(pagesDir, 'broken.html'), '<h1>Broken</h1>\n<p>See <a href="/no-such-page/">this</a>.</p>\n<img src="/image/300x200/">\n');
    const site = path.join(tempDir('lightweight-build-reused-site-'), '_build');
    const reports: string[] = [];
    for (const basePath of ['', '', '/project/', '/project/']) {
      const result = await runBuild([], { BUILD_DIR: site, PAGES_DIR: pagesDir, BASE_PATH: basePath });
      assert.equal(result.code, 1, result.stdout);
      const prefix = basePath || '/';
      assert.match(result.stderr, /^A broken link in the built site:\n  \S+\/broken\.html, line 2 \(\/broken\/\): \/no-such-page\/ \(the app answered 404\)$/m);
      assert.match(result.stderr, new RegExp(`^An image without alt in the built site:\\n  \\S+/broken\\.html, line 3 \\(/broken/\\): ${prefix}image/300x200\\.png \\(an <img> without alt`, 'm'));
      reports.push(result.stderr.slice(result.stderr.indexOf('A broken link')));
      const counts = /Building: 19 pages \((\d+) rendered, (\d+) reused\)/.exec(result.stderr);
      assert.ok(counts, result.stderr);
      if (reports.length % 2 === 0) assert.deepEqual(counts.slice(1).map(Number), [0, 19], 'the second build of each reuses every page');
    }
    assert.equal(reports[1], reports[0]);
    assert.equal(reports[3], reports[2]);
  });

  test('settings it cannot use are refused before anything is written', async () => {
    const site = await runBuild([], { BUILD_DIR: buildDir, SITE_URL: 'example.com' });
    assert.equal(site.code, 1);
    assert.match(site.stderr, /SITE_URL must be an absolute URL/);
    const project = await runBuild([], { BUILD_DIR: '.' });
    assert.equal(project.code, 1);
    assert.match(project.stderr, /would replace the project itself/);
    const notABuild = tempDir('lightweight-build-other-');
    writeFileSync(path.join(notABuild, 'thesis.txt'), 'precious');
    const other = await runBuild([], { BUILD_DIR: notABuild });
    assert.equal(other.code, 1);
    assert.match(other.stderr, /holds files that are not a previous build/);
    assert.equal(read(notABuild, 'thesis.txt'), 'precious');
    const noPages = await runBuild([], { BUILD_DIR: buildDir, PAGES_DIR: path.join(notABuild, 'pages') });
    assert.equal(noPages.code, 1);
    assert.match(noPages.stderr, /^No pages to build: there is no folder \S+pages \(PAGES_DIR\)\. Create it/m);
  });

  test('a site without a static folder builds; a page without templates/page.html to place it in is refused, naming both', async () => {
    const root = tempDir('lightweight-build-bare-');
    const dirs = { PAGES_DIR: path.join(root, 'pages'), TEMPLATES_DIR: path.join(root, 'templates'), STATIC_DIR: path.join(root, 'static') };
    writeFiles(dirs.PAGES_DIR, { 'index.md': '---\ntitle: Home\n---\n# Home' });
    writeFiles(dirs.TEMPLATES_DIR, { '404.html': '<!doctype html><html lang="en"><title>Not found</title><h1>Not found</h1></html>' });
    const refused = await runBuild([], { ...dirs, BUILD_DIR: path.join(root, 'site') });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /pages\/index\.md: there is no templates\/page\.html, the layout a page is placed in unless it names another\. Create templates\/page\.html, or write "layout: none"/);
    writeFiles(dirs.TEMPLATES_DIR, { 'page.html': '<!doctype html><html lang="en"><title>{{ title }}</title>{{ content | safe }}</html>' });
    const built = await runBuild([], { ...dirs, BUILD_DIR: path.join(root, 'site') });
    assert.equal(built.code, 0, built.stderr);
    assert.match(read(path.join(root, 'site'), 'index.html'), /<h1 id="home">Home<\/h1>/);
  });

  describe('in a browser, through the preview server', () => {
    let server: Server;
    let browser: Browser;
    let base: string;
    before(async () => {
      server = await new Promise<Server>((resolve) => {
        const s = serve({ fetch: previewRoutes(buildDir).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
      });
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      server?.closeAllConnections();
      server?.close();
    });

    test('every page loads all it references, styled by Bootstrap, images at their size', async () => {
      const page = await browser.newPage();
      const failures: string[] = [];
      page.on('response', (response) => {
        if (response.status() >= 400) failures.push(`${response.status()} ${response.url()}`);
      });
      onFailedRequest(page, (line) => failures.push(line));
      for (const url of ['/', '/pricing/', '/contact/', '/login/']) {
        // Wait for the network to settle: a lazy image asked for after `load` would otherwise be cancelled by the next page.
        await page.goto(base + url, { waitUntil: 'networkidle', timeout: 20_000 });
        const navbar = await page.evaluate(() => getComputedStyle(document.querySelector('.navbar')!).position);
        assert.equal(navbar, 'fixed', `${url}: Bootstrap's .fixed-top applied`);
        const images = await page.evaluate(() =>
          [...document.images].map((img) => ({ src: img.src, ok: img.complete && img.naturalWidth > 0 })),
        );
        assert.ok(images.every((img) => img.ok), `${url}: ${JSON.stringify(images)}`);
      }
      assert.deepEqual(failures, []);
      const missing = await page.goto(`${base}/not-built/`);
      assert.equal(missing?.status(), 404);
      assert.match(await page.title(), /Page not found/);
      await page.close();
    });
  });
});
