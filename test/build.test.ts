// The static-site builder against a small fixture app (fixed HTML, CSS, JS
// and real PNGs), so crawling, hashing, rewriting, compression, the
// self-check and the swap are tested apart from the real pages.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import sharp from 'sharp';
import { cssUrls, transformCss } from '../src/publish/css.ts';
import { BuildError } from '../src/publish/errors.ts';
import { decodeEntities, htmlUrls, transformHtml, transformSrcset } from '../src/publish/html.ts';
import { previewRoutes } from '../src/publish/preview.ts';
import { silentProgress } from '../src/publish/report.ts';
import { buildCacheFrom, builderVersion, cachingFetch, openBuildCache, type BuildCache } from '../src/publish/cache.ts';
import { openOutput } from '../src/publish/output.ts';
import { writeSearchIndex } from '../src/publish/search-index.ts';
import { buildSite, type SiteOptions } from '../src/publish/site.ts';
import { APP_ORIGIN, createResolver, resolveInternal } from '../src/publish/urls.ts';
import { ROOT } from '../src/settings.ts';
import { findStaticFile } from '../src/static.ts';
import { tempDir } from './helpers.ts';

describe('finding URLs in HTML and CSS', () => {
  test('attributes that reference URLs, with entities decoded', () => {
    const html = `<!doctype html><html><head>
      <link rel="stylesheet" href="/static/site.css"><script src='/static/app.js'></script>
      <style>body { background: url("/static/bg.png") } /* url(/commented.png) */</style></head>
      <body><a href=/plain/>x</a> <a href="/q/?a=1&amp;b=2">q</a> <a>no href</a>
      <img src="/image/300x200/" srcset="/image/300x200/ 1x, /image/600x400/ 2x" alt="a > b">
      <picture><source srcset="/image/100x100/" type="image/png"></picture>
      <div style="background-image: url(&quot;/static/dot.png&quot;)"></div>
      <!-- <a href="/in-a-comment/"> -->
      <script>const s = '<a href="/in-a-script/">';</script>
      <textarea><img src="/in-a-textarea.png"></textarea>
      <video poster="/static/poster.jpg"><track src="/static/subs.vtt"></video>
      </body></html>`;
    assert.deepEqual(htmlUrls(html), [
      '/static/site.css',
      '/static/app.js',
      '/static/bg.png',
      '/plain/',
      '/q/?a=1&b=2',
      '/image/300x200/',
      '/image/300x200/',
      '/image/600x400/',
      '/image/100x100/',
      '/static/dot.png',
      '/static/poster.jpg',
      '/static/subs.vtt',
    ]);
  });

  test('rewriting replaces only the URLs, escaped for their quotes', () => {
    const html = `<a class=x href="/a/">A</a><a href='/b/?x=1&amp;y=2'>B</a><img src=/c.png alt="/a/">`;
    const map: Record<string, string> = { '/a/': '/a/?p="q"', '/b/?x=1&y=2': "/b/?x=1&y='2'", '/c.png': '/c.123.png' };
    assert.equal(
      transformHtml(html, (url) => map[url] ?? url),
      `<a class=x href="/a/?p=&quot;q&quot;">A</a><a href='/b/?x=1&amp;y=&#39;2&#39;'>B</a><img src="/c.123.png" alt="/a/">`,
    );
    assert.equal(transformHtml(html, (url) => url), html, 'nothing replaced, nothing changed');
  });

  test('srcset candidates, including URLs with commas', () => {
    const seen: string[] = [];
    // As browsers parse it: a URL runs to whitespace, and only its trailing commas separate.
    const out = transformSrcset('a.png 1x,b.png 2x , data:image/png;base64,AA== 3x, c.png,, d.png 100w', (url) => {
      seen.push(url);
      return url.toUpperCase();
    });
    assert.deepEqual(seen, ['a.png', 'b.png', 'data:image/png;base64,AA==', 'c.png', 'd.png']);
    assert.equal(out, 'A.PNG 1x,B.PNG 2x , DATA:IMAGE/PNG;BASE64,AA== 3x, C.PNG,, D.PNG 100w');
  });

  test('CSS url() tokens and @import strings, not comments or other strings', () => {
    const css = `@import "base.css"; @import url(theme.css) screen;
      .a { background: url( 'img/a.png' ) } .b{background:URL(img/b.png)} .c::after { content: "url(no.png)" }
      /* url(commented.png) */ .d { mask: url(data:image/svg+xml,abc) }`;
    assert.deepEqual(cssUrls(css), ['base.css', 'theme.css', 'img/a.png', 'img/b.png', 'data:image/svg+xml,abc']);
    assert.equal(
      transformCss('.a{background:url(a b.png)}.b{background:url("c.png")}', (url) => `/x/${url}`),
      '.a{background:url("/x/a b.png")}.b{background:url("/x/c.png")}',
    );
  });

  test('character references', () => {
    assert.equal(decodeEntities('/a?x=1&amp;y=&#50;&#x33;&unknown;'), '/a?x=1&y=23&unknown;');
  });

  test('a build\'s resolver remembers references from the root, and resolves every reference as resolveInternal does', () => {
    const siteOrigin = 'https://example.com';
    const resolve = createResolver(siteOrigin);
    const references = ['/pricing/', ' /a/?q=1#top', '//localhost/b/', '//evil.example/', '/\\evil.example/', 'c/', '../d/', '?page=2', '#top', 'https://example.com/e/', 'mailto:x@example.com'];
    for (const base of [`${APP_ORIGIN}/`, `${APP_ORIGIN}/docs/intro/`, `${APP_ORIGIN}/docs/intro/`]) {
      for (const reference of references) assert.deepEqual(resolve(reference, base), resolveInternal(reference, base, siteOrigin), `${reference} on ${base}`);
    }
    assert.equal(resolve('/pricing/', `${APP_ORIGIN}/x/`), resolve('/pricing/', `${APP_ORIGIN}/y/`), 'the same object, resolved once');
  });
});

/** A small site: three pages, a redirect, real PNGs, CSS with @import and url(), an ES module. */
function fixture() {
  const staticDir = tempDir('lightweight-build-static-');
  const files: Record<string, string | Buffer> = {
    'css/site.css': `@import "./base.css";\nbody { background: url(../img/bg.svg) no-repeat; }\n@font-face { font-family: X; src: url("../fonts/x.woff2") format("woff2"); }\n`,
    'css/base.css': `/* base */\n.card   {   color : #333333 ; padding: 0px }\n`,
    'img/bg.svg': `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">${'<rect width="1" height="1"/>'.repeat(60)}</svg>`,
    'img/dot.png': Buffer.from('89504e470d0a1a0a', 'hex'),
    'fonts/x.woff2': Buffer.from('wOF2 not really a font'),
    'js/app.js': `import { greet } from './util.js';\ndocument.title = greet('build');\n`,
    'js/util.js': `export function greet(someone) {\n  return 'Hello, ' + someone;\n}\n`,
    'unused/notes.txt': 'Nobody links to me.\n',
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(staticDir, name)), { recursive: true });
    writeFileSync(path.join(staticDir, name), content);
  }

  const state = { aboutText: 'About us', indexExtra: '' };
  const layout = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<link rel="stylesheet" href="/static/css/site.css"><script type="module" src="../static/js/app.js"></script>
<style>.hero { background: url(/static/img/dot.png) }</style></head>
<body><nav><a href="/">Home</a> <a href="/about">About</a> <a href="/contact/?from=nav#form">Contact</a></nav>
<main>${body}</main>
<footer>${'<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>'.repeat(20)}<a href="https://example.com/">elsewhere</a> <a href="mailto:a@example.com">mail</a> <a href="#top">top</a></footer>
</body></html>`;
  const app = new Hono();
  app.get('/', (c) =>
    c.html(
      layout(
        'Home',
        `<img src="/image/300x200/" srcset="/image/300x200/ 1x, /image/600x400/ 2x" alt="">
         <img src="/image/300x200/?colour=ff0000&amp;text=Hi" alt=""> <a href="http://localhost/about/">absolute</a>${state.indexExtra}`,
      ),
    ),
  );
  app.get('/about', (c) => c.redirect('/about/', 301));
  app.get('/about/', (c) => c.html(layout('About', `<p>${state.aboutText}</p>`)));
  app.get('/contact/', (c) => c.html(layout('Contact', '<form id="form"></form>')));
  app.get('/image/:size{[0-9]+x[0-9]+}/', async (c) => {
    const [width, height] = c.req.param('size').split('x').map(Number) as [number, number];
    const colour = `#${c.req.query('colour') ?? 'dddddd'}`;
    const png = await sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();
    return c.body(new Uint8Array(png), 200, { 'Content-Type': 'image/png' });
  });
  app.notFound((c) => c.html(layout('Not found', `<p>Nothing at ${c.req.path}</p>`), 404));

  const options = (buildDir: string, extra: Partial<SiteOptions> = {}): SiteOptions => ({
    fetch: (request) => app.fetch(request),
    pages: ['/', '/about/', '/contact/'],
    locate: (urlPath) => (urlPath.startsWith('/static/') ? findStaticFile(staticDir, urlPath.slice('/static'.length)) : null),
    staticDir,
    buildDir,
    incremental: false,
    progress: silentProgress,
    ...extra,
  });
  return { staticDir, state, options };
}

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');
const sha8 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex').slice(0, 8);

function allFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? allFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

describe('building the fixture site', () => {
  const { state, options } = fixture();
  const buildDir = path.join(tempDir('lightweight-build-out-'), 'site');
  let manifest: Record<string, string>;

  before(async () => {
    await buildSite(options(buildDir, { siteOrigin: 'https://example.com' }));
    manifest = JSON.parse(read(buildDir, 'manifest.json'));
  });

  test('every page, the 404 page and the placeholder images are files', () => {
    for (const file of ['index.html', 'about/index.html', 'contact/index.html', '404.html', 'image/300x200.png', 'image/600x400.png']) {
      assert.ok(existsSync(path.join(buildDir, file)), file);
    }
    assert.match(read(buildDir, '404.html'), /Nothing at/);
  });

  test('static files get content-hashed names, listed in manifest.json', () => {
    assert.deepEqual(Object.keys(manifest).sort(), [
      'static/css/base.css', // imported into site.css, and published on its own like every static file
      'static/css/site.css',
      'static/fonts/x.woff2',
      'static/img/bg.svg',
      'static/img/dot.png',
      'static/js/app.js',
      'static/js/util.js',
      'static/unused/notes.txt',
    ]);
    for (const [source, hashed] of Object.entries(manifest)) {
      const content = readFileSync(path.join(buildDir, hashed));
      const ext = path.extname(source);
      assert.equal(hashed, `${source.slice(0, -ext.length)}.${sha8(content)}${ext}`);
    }
    assert.ok(!existsSync(path.join(buildDir, 'static/css/site.css')), 'no unhashed copy');
  });

  test('CSS is bundled and minified, its url() pointing at hashed files', () => {
    const css = read(buildDir, manifest['static/css/site.css']!);
    assert.match(css, /\.card\{color:#333;padding:0\}/, '@import inlined and minified');
    assert.ok(css.includes(`url(/${manifest['static/img/bg.svg']})`), css);
    assert.ok(css.includes(`url(/${manifest['static/fonts/x.woff2']})`), css);
    assert.ok(!css.includes('../'), 'no relative reference left');
  });

  test('an ES module is bundled with its imports', () => {
    const js = read(buildDir, manifest['static/js/app.js']!);
    assert.match(js, /Hello, /);
    assert.doesNotMatch(js, /import/);
  });

  test('pages point at the built files, links keep queries and fragments', () => {
    const html = read(buildDir, 'index.html');
    const urls = htmlUrls(html);
    assert.ok(urls.includes(`/${manifest['static/css/site.css']}`));
    assert.ok(urls.includes(`/${manifest['static/js/app.js']}`), 'relative ../static/ reference resolved and rewritten');
    assert.ok(urls.includes(`/${manifest['static/img/dot.png']}`), 'url() in <style>');
    assert.ok(urls.includes('/image/300x200.png') && urls.includes('/image/600x400.png'));
    assert.ok(urls.includes('/about/'), 'redirect followed');
    assert.ok(urls.includes('https://example.com/about/'), 'absolute internal link made absolute on SITE_URL');
    assert.ok(urls.includes('/contact/?from=nav#form'));
    assert.ok(urls.includes('https://example.com/') && urls.includes('mailto:a@example.com') && urls.includes('#top'));
    assert.ok(!urls.some((u) => u.startsWith('/static/css/site.css') || u.startsWith('/image/300x200/')), urls.join(' '));
  });

  test('query variants of an image are distinct files that decode at the right size', async () => {
    const variant = htmlUrls(read(buildDir, 'index.html')).find((u) => /^\/image\/300x200-[0-9a-f]{8}\.png$/.test(u));
    assert.ok(variant, 'variant file name');
    const red = await sharp(path.join(buildDir, variant)).raw().toBuffer({ resolveWithObject: true });
    assert.equal(red.info.width, 300);
    assert.deepEqual([...red.data.subarray(0, 3)], [255, 0, 0]);
    const large = await sharp(path.join(buildDir, 'image/600x400.png')).metadata();
    assert.deepEqual([large.format, large.width, large.height], ['png', 600, 400]);
  });

  test('.gz and .br siblings of text over 1 KiB decompress to the originals', () => {
    const files = allFiles(buildDir);
    let compressed = 0;
    for (const file of files.filter((f) => !/\.(gz|br)$/.test(f))) {
      const original = readFileSync(path.join(buildDir, file));
      const text = /\.(html|css|js|svg|json|xml|txt)$/.test(file);
      if (text && original.length > 1024) {
        assert.deepEqual(zlib.gunzipSync(readFileSync(path.join(buildDir, `${file}.gz`))), original, `${file}.gz`);
        assert.deepEqual(zlib.brotliDecompressSync(readFileSync(path.join(buildDir, `${file}.br`))), original, `${file}.br`);
        compressed++;
      } else {
        assert.ok(!existsSync(path.join(buildDir, `${file}.gz`)) && !existsSync(path.join(buildDir, `${file}.br`)), `${file} not compressed`);
      }
    }
    assert.ok(compressed >= 4, `${compressed} compressed files`);
  });

  test('sitemap.xml lists the pages, robots.txt points at it', () => {
    const sitemap = read(buildDir, 'sitemap.xml');
    const locs = [...sitemap.matchAll(/<loc>(.*?)<\/loc>/g)].map((m) => m[1]);
    assert.deepEqual(locs, ['https://example.com/', 'https://example.com/about/', 'https://example.com/contact/']);
    assert.match(read(buildDir, 'robots.txt'), /^Sitemap: https:\/\/example\.com\/sitemap\.xml$/m);
  });

  test('a broken link fails the build, naming page and URL, and keeps the last good site', async () => {
    const before = read(buildDir, 'index.html');
    state.indexExtra = '<a href="/nowhere/">gone</a>';
    try {
      await assert.rejects(buildSite(options(buildDir)), (err: Error) => {
        assert.ok(err instanceof BuildError);
        assert.match(err.message, /^  \/: \/nowhere\/ \(the app answered 404\)$/m);
        return true;
      });
    } finally {
      state.indexExtra = '';
    }
    assert.equal(read(buildDir, 'index.html'), before);
    assert.deepEqual(readdirSync(path.dirname(buildDir)), ['site'], 'no staging folder left behind');
  });

  test('rebuilding one page updates it in place and leaves the others alone', async () => {
    const indexBefore = statSync(path.join(buildDir, 'index.html')).mtimeMs;
    state.aboutText = 'About us, rewritten';
    await buildSite(options(buildDir, { pages: ['/about/'], incremental: true, siteOrigin: 'https://example.com' }));
    assert.match(read(buildDir, 'about/index.html'), /About us, rewritten/);
    assert.equal(statSync(path.join(buildDir, 'index.html')).mtimeMs, indexBefore, 'index.html not rewritten');
    assert.deepEqual(Object.keys(JSON.parse(read(buildDir, 'manifest.json'))).length, Object.keys(manifest).length);
    assert.match(read(buildDir, 'sitemap.xml'), /contact/);
  });

  test('a failed rebuild of one page leaves the published files untouched', async () => {
    // The rebuild starts from hard links to the published files: writing into one would change the live site.
    const before = read(buildDir, 'about/index.html');
    state.aboutText = '<a href="/gone/">gone</a>';
    try {
      await assert.rejects(buildSite(options(buildDir, { pages: ['/about/'], incremental: true })), /\/about\/: \/gone\//);
    } finally {
      state.aboutText = 'About us, rewritten';
    }
    assert.equal(read(buildDir, 'about/index.html'), before);
    assert.deepEqual(readdirSync(path.dirname(buildDir)), ['site']);
  });

  test('a rebuild of single pages needs a previous build', async () => {
    const empty = path.join(tempDir('lightweight-build-none-'), 'site');
    await assert.rejects(buildSite(options(empty, { pages: ['/'], incremental: true })), /no previous build/);
  });

  describe('preview', () => {
    let server: Server;
    let base: string;
    before(async () => {
      server = await new Promise<Server>((resolve) => {
        const s = serve({ fetch: previewRoutes(buildDir).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
      });
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => {
      server.closeAllConnections();
      server.close();
    });

    test('sends the .br or .gz sibling the client accepts', async () => {
      const original = readFileSync(path.join(buildDir, 'index.html'));
      for (const [accept, encoding, decode] of [
        ['gzip, deflate, br', 'br', zlib.brotliDecompressSync],
        ['gzip', 'gzip', zlib.gunzipSync],
        ['br;q=0, gzip;q=0.5', 'gzip', zlib.gunzipSync],
        ['identity', undefined, (b: Buffer) => b],
      ] as const) {
        const res = await rawGet(base, '/', { 'accept-encoding': accept });
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-encoding'], encoding, accept);
        assert.equal(res.headers.vary, 'Accept-Encoding');
        assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
        assert.deepEqual(decode(res.body), original, accept);
      }
    });

    test('hashed files are immutable, HTML is revalidated with its ETag', async () => {
      const css = await fetch(`${base}/${manifest['static/css/site.css']}`);
      assert.equal(css.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
      const html = await fetch(`${base}/about/`);
      assert.equal(html.headers.get('cache-control'), 'no-cache');
      const again = await fetch(`${base}/about/`, { headers: { 'if-none-match': html.headers.get('etag')! } });
      assert.equal(again.status, 304);
      const image = await fetch(`${base}/image/300x200.png`);
      assert.equal(image.headers.get('content-type'), 'image/png');
    });

    test('misses get 404.html, folders without a slash a redirect, other methods 405', async () => {
      const missing = await fetch(`${base}/no/such/page/`);
      assert.equal(missing.status, 404);
      assert.match(await missing.text(), /Nothing at/);
      const folder = await fetch(`${base}/about?x=1`, { redirect: 'manual' });
      assert.equal(folder.status, 301);
      assert.equal(folder.headers.get('location'), '/about/?x=1');
      const escape = await rawGet(base, '/static/..%2f..%2fpackage.json', {});
      assert.equal(escape.status, 404);
      const post = await fetch(`${base}/`, { method: 'POST' });
      assert.equal(post.status, 405);
    });
  });
});

/** A GET of exactly this path with exactly these headers (fetch() decompresses and normalises). */
async function rawGet(base: string, urlPath: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const http = await import('node:http');
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    http
      .get({ hostname, port, path: urlPath, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe('the build cache and builds over a previous build', () => {
  const { state, options } = fixture();
  const work = tempDir('lightweight-build-cache-');
  /** The fixture built with `cache`, its images kept in it as build.ts keeps placeholder images. */
  const cached = (buildDir: string, cache: BuildCache | null, extra: Partial<SiteOptions> = {}): SiteOptions => {
    const base = options(buildDir, extra);
    return { ...base, cache, fetch: cache ? cachingFetch(cache, base.fetch, (url) => url.pathname.startsWith('/image/')) : base.fetch };
  };
  /** Every file of a build and its bytes. */
  const contents = (dir: string) => Object.fromEntries(allFiles(dir).sort().map((file) => [file, readFileSync(path.join(dir, file))]));
  const mtimes = (dir: string) => Object.fromEntries(allFiles(dir).map((file) => [file, statSync(path.join(dir, file)).mtimeMs]));
  const entries = (cache: BuildCache) => allFiles(cache.dir).map((file) => path.join(cache.dir, file));

  test('a build with a warm cache writes the same bytes as a cold one, without making them again', async () => {
    const cache = openBuildCache(path.join(work, 'cache-1'), 'test');
    await buildSite(cached(path.join(work, 'cold'), cache));
    assert.equal(cache.stats.hits, 0);
    const made = cache.stats.misses;
    assert.ok(made > 0 && entries(cache).some((f) => f.includes(`${path.sep}compressed${path.sep}`)), 'compressed siblings are kept');
    assert.ok(entries(cache).some((f) => f.includes(`${path.sep}bundle${path.sep}`)), 'bundles are kept');
    assert.ok(entries(cache).some((f) => f.includes(`${path.sep}response${path.sep}`)), 'images are kept');

    const warm = openBuildCache(cache.dir, 'test');
    await buildSite(cached(path.join(work, 'warm'), warm));
    assert.equal(warm.stats.misses, 0, 'everything came from the cache');
    assert.deepEqual(contents(path.join(work, 'warm')), contents(path.join(work, 'cold')));

    const other = openBuildCache(cache.dir, 'another builder version');
    await buildSite(cached(path.join(work, 'other'), other));
    assert.equal(other.stats.hits, 0, "another builder's entries are never found");
  });

  test("the builder's version is kept under its files' stamps, and any edit of the code makes a new one", () => {
    const root = path.join(work, 'builder');
    mkdirSync(path.join(root, 'src', 'part'), { recursive: true });
    const files: Array<[string, string]> = [['package-lock.json', '{}'], ['app.ts', 'app'], ['build.ts', 'build'], ['src/a.ts', 'a'], ['src/part/b.css', 'b'], ['src/notes.txt', 'not code']];
    for (const [file, text] of files) writeFileSync(path.join(root, file), text);
    const memoDir = path.join(work, 'builder-cache');
    const read = builderVersion(root);
    assert.equal(builderVersion(root, memoDir), read, 'the same version, kept or not');
    assert.ok(existsSync(path.join(memoDir, 'builder-version.json')));
    assert.equal(builderVersion(root, memoDir), read, 'the same version, taken from the memo');

    // Same size, so only the stamp's times tell: the code is read again.
    writeFileSync(path.join(root, 'src/part/b.css'), 'c');
    const edited = builderVersion(root, memoDir);
    assert.notEqual(edited, read);
    assert.equal(edited, builderVersion(root), 'what reading the code gives');
    writeFileSync(path.join(root, 'src/part/b.css'), 'b');
    assert.equal(builderVersion(root, memoDir), read, 'the code as it was: the version as it was');
    // Files that are not code are not part of it; a file added is.
    writeFileSync(path.join(root, 'src/notes.txt'), 'still not code');
    assert.equal(builderVersion(root, memoDir), read);
    writeFileSync(path.join(root, 'src/c.ts'), 'c');
    assert.notEqual(builderVersion(root, memoDir), read);
    // A damaged memo is read past.
    writeFileSync(path.join(memoDir, 'builder-version.json'), '{"stamp":');
    assert.equal(builderVersion(root, memoDir), builderVersion(root));
  });

  test("a hashed asset's .gz and .br are kept in the cache, a page's are not", async () => {
    const cache = openBuildCache(path.join(work, 'cache-pages'), 'test');
    const buildDir = path.join(work, 'kept-compressed');
    await buildSite(cached(buildDir, cache));
    const compressedFiles = allFiles(buildDir).filter((file) => file.endsWith('.gz')).map((file) => file.slice(0, -'.gz'.length));
    const hashed = new Set(Object.values(JSON.parse(readFileSync(path.join(buildDir, 'manifest.json'), 'utf8')) as Record<string, string>));
    const pages = compressedFiles.filter((file) => file.endsWith('.html'));
    assert.ok(pages.length > 0, 'a page has .gz and .br');
    const assets = compressedFiles.filter((file) => hashed.has(file));
    assert.ok(assets.length > 0, 'a hashed asset has .gz and .br');
    const kept = entries(cache).filter((file) => file.includes(`${path.sep}compressed${path.sep}`));
    assert.equal(kept.length, assets.length, `one entry per hashed asset (${assets.join(', ')}), none for ${pages.join(', ')}`);
  });

  test('a damaged or truncated cache entry is made again, never published', async () => {
    const cache = openBuildCache(path.join(work, 'cache-2'), 'test');
    await buildSite(cached(path.join(work, 'clean'), cache));
    const files = entries(cache);
    files.forEach((file, i) => {
      if (i % 2) truncateSync(file, Math.floor(statSync(file).size / 2));
      else {
        const bytes = readFileSync(file);
        bytes[bytes.length - 1]! ^= 0xff;
        writeFileSync(file, bytes);
      }
    });
    const again = openBuildCache(cache.dir, 'test');
    await buildSite(cached(path.join(work, 'damaged'), again));
    assert.equal(again.stats.hits, 0, 'no damaged entry was used');
    assert.deepEqual(contents(path.join(work, 'damaged')), contents(path.join(work, 'clean')));
    const repaired = openBuildCache(cache.dir, 'test');
    await buildSite(cached(path.join(work, 'repaired'), repaired));
    assert.equal(repaired.stats.misses, 0, 'the entries were made again');
  });

  test('BUILD_CACHE=off builds the same site without a cache; other values are refused', async () => {
    assert.equal(buildCacheFrom({ BUILD_CACHE: 'off' }, ROOT), null);
    assert.equal(buildCacheFrom({}, ROOT)?.dir, path.join(ROOT, 'node_modules/.cache/lightweight/build'));
    assert.throws(() => buildCacheFrom({ BUILD_CACHE: 'sometimes' }, ROOT), /BUILD_CACHE must be on or off \(got "sometimes"\)/);
    await buildSite(cached(path.join(work, 'uncached'), null));
    await buildSite(cached(path.join(work, 'cached'), openBuildCache(path.join(work, 'cache-3'), 'test')));
    assert.deepEqual(contents(path.join(work, 'uncached')), contents(path.join(work, 'cached')));
  });

  test('a full build over the last one rewrites only what changed and removes what is gone', async () => {
    const buildDir = path.join(work, 'site');
    const cache = openBuildCache(path.join(work, 'cache-4'), 'test');
    state.indexExtra = '<img src="/image/120x80/" alt="">';
    try {
      await buildSite(cached(buildDir, cache, { siteOrigin: 'https://example.com' }));
      assert.ok(existsSync(path.join(buildDir, 'image/120x80.png')));
      const before = mtimes(buildDir);
      await new Promise((resolve) => setTimeout(resolve, 20)); // a rewrite shows in the mtime
      state.aboutText = 'About us, edited';
      state.indexExtra = '';
      const summary = await buildSite(cached(buildDir, cache, { siteOrigin: 'https://example.com' }));
      assert.match(read(buildDir, 'about/index.html'), /About us, edited/);
      const after = mtimes(buildDir);
      const changed = Object.keys(after).filter((file) => after[file] !== before[file]).sort();
      assert.deepEqual(changed, ['about/index.html', 'about/index.html.br', 'about/index.html.gz', 'index.html', 'index.html.br', 'index.html.gz']);
      assert.ok(!existsSync(path.join(buildDir, 'image/120x80.png')), 'a file no page references any more is gone');
      assert.equal(summary.bytes.files - summary.bytes.unchanged, 2);
      assert.deepEqual(readdirSync(work).filter((name) => name.startsWith('site')), ['site'], 'no staging folder left behind');
    } finally {
      state.aboutText = 'About us';
      state.indexExtra = '';
    }
  });

  test('over a published site, changed files are staged side by side, with no folder each, and published into their folders', async () => {
    const live = path.join(work, 'staged');
    mkdirSync(path.join(live, 'kept'), { recursive: true });
    writeFileSync(path.join(live, 'manifest.json'), '{}\n');
    writeFileSync(path.join(live, 'kept/index.html'), 'kept');
    const page = `<!doctype html><title>A</title>${'<p>Lorem ipsum dolor sit amet.</p>'.repeat(60)}`;
    const output = await openOutput(live);
    try {
      await output.write('posts/a/index.html', page);
      await output.write('posts/b/deeper/index.html', 'small');
      await output.write('kept/index.html', 'kept');
      await output.write('manifest.json', '{}\n');
      await output.settle();
      const staged = readdirSync(output.dir, { withFileTypes: true });
      assert.deepEqual(staged.filter((entry) => entry.isDirectory()).map((entry) => entry.name), [], 'no folder made in staging');
      assert.equal(staged.length, 4, 'the two new pages, the first with its .gz and .br; the unchanged files not written');
      assert.equal(await output.read('posts/a/index.html'), page);
    } catch (err) {
      await output.discard(); // its writer threads would keep the test running
      throw err;
    }
    await output.publish();
    assert.equal(read(live, 'posts/a/index.html'), page);
    assert.deepEqual(zlib.brotliDecompressSync(readFileSync(path.join(live, 'posts/a/index.html.br'))).toString(), page);
    assert.deepEqual(zlib.gunzipSync(readFileSync(path.join(live, 'posts/a/index.html.gz'))).toString(), page);
    assert.equal(read(live, 'posts/b/deeper/index.html'), 'small');
    assert.deepEqual(allFiles(live).sort(), ['kept/index.html', 'manifest.json', 'posts/a/index.html', 'posts/a/index.html.br', 'posts/a/index.html.gz', 'posts/b/deeper/index.html']);
    assert.ok(!existsSync(output.dir), 'the staging folder is gone');
  });

  test('a full build that wrote no search box reads no page back for the search index; a rebuild of named pages reads them', async () => {
    const output = await openOutput(path.join(work, 'no-search'));
    const read: string[] = [];
    const reading = { ...output, read: (file: string) => (read.push(file), output.read(file)) };
    try {
      await output.write('a/index.html', '<p>No box</p>');
      await output.write('404.html', '<p>Not found</p>');
      await output.settle();
      assert.deepEqual(await writeSearchIndex(reading, null, '404.html', false), { pages: 0, cached: false });
      assert.deepEqual(read, [], 'the crawl said no page has a box');
      assert.deepEqual(await writeSearchIndex(reading, null, '404.html', null), { pages: 0, cached: false });
      assert.deepEqual(read, ['a/index.html'], 'not known: the pages are read to see');
    } finally {
      await output.discard();
    }
  });

  test('a leftover of the last build does not satisfy the link check', async () => {
    const buildDir = path.join(work, 'linked');
    state.indexExtra = '<img src="/image/120x80/" alt="">';
    try {
      await buildSite(cached(buildDir, null));
      // Now the page links the image's file directly, which only the last build wrote.
      state.indexExtra = '<img src="/image/120x80.png" alt="">';
      await assert.rejects(buildSite(cached(buildDir, null)), /\/: \/image\/120x80\.png/);
    } finally {
      state.indexExtra = '';
    }
    rmSync(path.join(work, 'linked'), { recursive: true, force: true });
  });
});
