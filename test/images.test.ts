// Responsive images: image() in a page, the <picture> it writes (parsed),
// every rendition it names (fetched over HTTP and decoded with sharp), the
// disk cache across requests and restarts, the errors, the static build,
// and Chromium choosing among the sources.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { ROOT } from '../src/settings.ts';
import type { Page } from 'playwright-core';
import { launchChromium, startApp, tempDir, type Running } from './helpers.ts';
import { NAV_PAGES, writeFiles } from './fixtures/site.ts';

const HTML = { accept: 'text/html' };
/** 1200x800 pixels, left half red and right half blue, stored with EXIF orientation 6: shown 800x1200, red on top. */
async function turnedPhoto(): Promise<Buffer> {
  const [w, h] = [1200, 800];
  const pixels = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels[(y * w + x) * 3 + (x < w / 2 ? 0 : 2)] = 255;
  return sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 90 })
    .withExif({ IFD0: { Copyright: 'Lightweight test camera' } })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** 800x600: the left half red, the right half a checkerboard of 40-pixel black and white squares (grey when a few pixels across). */
async function checkerPhoto(): Promise<Buffer> {
  const [w, h] = [800, 600];
  const pixels = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const at = (y * w + x) * 3;
      if (x < w / 2) pixels[at] = 255;
      else pixels.fill((Math.floor(x / 40) + Math.floor(y / 40)) % 2 ? 255 : 0, at, at + 3);
    }
  }
  return sharp(pixels, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
}

/** The data URI an <img>'s preview style shows, or undefined. */
const previewOf = (img: Tag) => /^background:url\((data:image\/webp;base64,[A-Za-z0-9+/=]+)\) 50%\/contain no-repeat$/.exec(img.attributes.style ?? '')?.[1];
const previewBytes = (uri: string) => Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64');

const transparentPng = () =>
  sharp({ create: { width: 600, height: 400, channels: 4, background: { r: 0, g: 128, b: 0, alpha: 0.5 } } }).png().toBuffer();
const smallJpeg = () => sharp({ create: { width: 500, height: 300, channels: 3, background: '#888' } }).jpeg().toBuffer();

interface Site {
  pagesDir: string;
  staticDir: string;
  cacheDir: string;
  env: Record<string, string>;
}

async function makeSite(pages: Record<string, string>): Promise<Site> {
  const root = tempDir('lightweight-images-');
  const [pagesDir, staticDir, cacheDir] = ['pages', 'static', 'cache'].map((name) => path.join(root, name)) as [string, string, string];
  writeFiles(pagesDir, { ...NAV_PAGES, ...pages });
  writeFiles(staticDir, {
    'img/photo.jpg': await turnedPhoto(),
    'img/alpha.png': await transparentPng(),
    'img/small.jpg': await smallJpeg(),
    'img/checker.jpg': await checkerPhoto(),
    'img/broken.jpg': 'this is not an image',
    'css/site.css': readFileSync(path.join(ROOT, 'static/css/site.css')),
    'img/logo.svg': readFileSync(path.join(ROOT, 'static/img/logo.svg')),
  });
  return { pagesDir, staticDir, cacheDir, env: { SERVICES: 'pages', PAGES_DIR: pagesDir, STATIC_DIR: staticDir, IMAGE_CACHE_DIR: cacheDir } };
}

interface Tag {
  name: string;
  attributes: Record<string, string>;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

/** The <picture> elements of a page and the tags inside each, attributes decoded. */
function picturesOf(html: string): Tag[][] {
  return [...html.matchAll(/<picture>([\s\S]*?)<\/picture>/g)].map((m) =>
    [...m[1]!.matchAll(/<(source|img)\s([^>]*)>/g)].map((tag) => ({
      name: tag[1]!,
      attributes: Object.fromEntries(
        [...tag[2]!.matchAll(/([a-z-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ENTITIES[e]!)]),
      ),
    })),
  );
}

/** [url, width] of each srcset candidate. */
const candidates = (srcset: string) => srcset.split(', ').map((c) => { const [url, w] = c.split(' '); return [url!, Number(w!.slice(0, -1))] as const; });

const madeLines = (app: Running) => app.logs.filter((line) => line.startsWith('image: made'));

describe('image()', () => {
  let site: Site;
  let app: Running;
  let photo: Tag[];
  before(async () => {
    site = await makeSite({
      'photo.html': `<h1>Photo</h1>\n{{ image('img/photo.jpg', { alt: 'A "red" & <blue> photo', widths: [1600, 400, 800, 400], sizes: '(min-width: 960px) 50vw, 100vw', class: 'img-fluid' }) }}`,
      'defaults.html': "{{ image('img/small.jpg', { alt: '' }) }}{{ image('/static/img/alpha.png', { alt: 'Green glass', eager: true }) }}",
      'story.md': "# Story\n\nInline {{ image('img/small.jpg', { alt: 'small', widths: [100] }) }} picture.\n",
      'no-alt.html': "<p>one</p>\n{{ image('img/photo.jpg', { widths: [400] }) }}",
      'missing.html': "\n\n{{ image('img/nope.jpg', { alt: 'x' }) }}",
      'broken.html': "{{ image('img/broken.jpg', { alt: 'x' }) }}",
      'bad-widths.html': "{{ image('img/photo.jpg', { alt: 'x', widths: ['wide'] }) }}",
      'unknown-option.html': "{{ image('img/photo.jpg', { alt: 'x', loading: 'lazy' }) }}",
      'no-preview.html': "{{ image('img/photo.jpg', { alt: 'x', preview: false }) }}",
      'bad-preview.html': "{{ image('img/photo.jpg', { alt: 'x', preview: 'no' }) }}",
    });
    app = await startApp(site.env);
    const html = await (await fetch(`${app.url}/photo/`, { headers: HTML })).text();
    photo = picturesOf(html)[0]!;
  });
  after(() => app.close());

  it('writes a <picture>: AVIF and WebP sources, then the JPEG <img>, each listing every width', () => {
    assert.deepEqual(photo.map((t) => [t.name, t.attributes.type]), [['source', 'image/avif'], ['source', 'image/webp'], ['img', undefined]]);
    for (const [tag, ext] of [[photo[0]!, 'avif'], [photo[1]!, 'webp'], [photo[2]!, 'jpg']] as const) {
      const list = candidates(tag.attributes.srcset!);
      // 1600 is wider than the source (800 as shown): replaced, once, by 800; 400 asked twice is listed once.
      assert.deepEqual(list.map(([, w]) => w), [400, 800]);
      for (const [url, w] of list) assert.match(url, new RegExp(`^/renditions/img/photo\\.jpg/${w}-[0-9a-f]{16}\\.${ext}$`));
      assert.equal(tag.attributes.sizes, '(min-width: 960px) 50vw, 100vw');
    }
  });

  it('gives the <img> the size of the widest rendition in the source\'s shown aspect ratio, alt, lazy loading and async decoding', () => {
    const img = photo[2]!.attributes;
    assert.deepEqual([img.width, img.height], ['800', '1200'], 'EXIF orientation 6: shown taller than wide');
    assert.equal(img.alt, 'A "red" & <blue> photo');
    assert.equal(img.class, 'img-fluid');
    assert.equal(img.loading, 'lazy');
    assert.equal(img.decoding, 'async');
    assert.equal(img.fetchpriority, undefined);
    assert.equal(img.src, candidates(img.srcset!)[0]![0]);
  });

  it('makes every rendition it names, decoded by sharp as the format and size it says, oriented, without metadata', async () => {
    const formats = { avif: 'heif', webp: 'webp', jpg: 'jpeg' } as Record<string, string>;
    for (const tag of photo) {
      for (const [url, width] of candidates(tag.attributes.srcset!)) {
        const res = await fetch(app.url + url);
        assert.equal(res.status, 200, url);
        const ext = url.split('.').at(-1)!;
        assert.equal(res.headers.get('content-type'), { avif: 'image/avif', webp: 'image/webp', jpg: 'image/jpeg' }[ext]);
        const bytes = Buffer.from(await res.arrayBuffer());
        const meta = await sharp(bytes).metadata();
        assert.equal(meta.format, formats[ext], url);
        if (ext === 'avif') assert.equal(meta.compression, 'av1');
        assert.deepEqual([meta.width, meta.height], [width, width * 1.5], url);
        assert.equal(meta.exif, undefined, 'no EXIF left');
        assert.equal(meta.orientation, undefined, 'orientation applied, not recorded');
        const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
        const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
        const [top, bottom] = [at(width / 2, Math.round(width * 0.3)), at(width / 2, Math.round(width * 1.2))];
        assert.ok(top[0]! > 200 && top[2]! < 60, `red on top in ${url}: ${top}`);
        assert.ok(bottom[2]! > 200 && bottom[0]! < 60, `blue below in ${url}: ${bottom}`);
      }
    }
  });

  it('serves renditions immutable, with a strong ETag and 304s', async () => {
    const url = candidates(photo[0]!.attributes.srcset!)[0]![0];
    const res = await fetch(app.url + url);
    await res.arrayBuffer();
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const etag = res.headers.get('etag')!;
    assert.match(etag, /^"[0-9a-f]{16}"$/);
    const again = await fetch(app.url + url, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), etag);
    const head = await fetch(app.url + url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers.get('content-length')), (await (await fetch(app.url + url)).arrayBuffer()).byteLength);
  });

  it('uses defaults: widths 640, 1280, 1920 (none wider than the source), sizes 100vw; PNG for a transparent source; eager on demand', async () => {
    const [small, alpha] = picturesOf(await (await fetch(`${app.url}/defaults/`, { headers: HTML })).text());
    for (const tag of small!) {
      assert.deepEqual(candidates(tag.attributes.srcset!).map(([, w]) => w), [500], 'the source is 500 wide');
      assert.equal(tag.attributes.sizes, '100vw');
    }
    assert.equal(small![2]!.attributes.alt, '', 'decorative');
    assert.deepEqual(candidates(alpha![2]!.attributes.srcset!).map(([, w]) => w), [600]);
    const img = alpha![2]!.attributes;
    assert.match(img.src!, /\.png$/);
    assert.deepEqual([img.loading, img.fetchpriority, img.width, img.height], ['eager', 'high', '600', '400']);
    const png = await sharp(Buffer.from(await (await fetch(app.url + img.src)).arrayBuffer())).metadata();
    assert.deepEqual([png.format, png.hasAlpha, png.width], ['png', true, 600]);
  });

  it('puts the photo a few pixels across behind the <img>: a WebP data URI in under 1 KB of HTML, oriented, its colours where the photo has them', async () => {
    const img = photo[2]!;
    assert.ok(img.attributes.style!.length < 1024, `${img.attributes.style!.length} characters`);
    assert.ok(photo.slice(0, 2).every((source) => source.attributes.style === undefined), 'on the <img> only');
    const bytes = previewBytes(previewOf(img)!);
    const meta = await sharp(bytes).metadata();
    assert.equal(meta.format, 'webp');
    assert.deepEqual([meta.width, meta.height], [11, 16], 'the shown aspect ratio (EXIF orientation 6), 16 pixels on its longer side');
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    const [top, bottom] = [at(5, 2), at(5, 13)];
    assert.ok(top[0]! > 180 && top[2]! < 80, `red on top: ${top}`);
    assert.ok(bottom[2]! > 180 && bottom[0]! < 80, `blue below: ${bottom}`);
  });

  it('gives no preview with preview: false, nor to a photo with transparent pixels (it would show through)', async () => {
    const [noPreview] = picturesOf(await (await fetch(`${app.url}/no-preview/`, { headers: HTML })).text());
    assert.equal(noPreview![2]!.attributes.style, undefined);
    const [small, alpha] = picturesOf(await (await fetch(`${app.url}/defaults/`, { headers: HTML })).text());
    const grey = await sharp(previewBytes(previewOf(small![2]!)!)).metadata();
    assert.deepEqual([grey.format, grey.width, grey.height], ['webp', 16, 10], 'an opaque JPEG has one');
    assert.equal(alpha![2]!.attributes.style, undefined);
  });

  it('allows the preview\'s style by its hash in the page\'s policy', async () => {
    const res = await fetch(`${app.url}/photo/`, { headers: HTML });
    const html = await res.text();
    const style = picturesOf(html)[0]![2]!.attributes.style!;
    const hash = `'sha256-${createHash('sha256').update(style).digest('base64')}'`;
    assert.match(res.headers.get('content-security-policy')!, new RegExp(`style-src [^;]*'unsafe-hashes'[^;]*${hash.replace(/[+/]/g, '\\$&')}`));
  });

  it('works inside Markdown', async () => {
    const html = await (await fetch(`${app.url}/story/`, { headers: HTML })).text();
    assert.match(html, /<p>Inline <picture><source type="image\/avif" srcset="\/renditions\/img\/small\.jpg\/100-[0-9a-f]{16}\.avif 100w"[^]*?<\/picture> picture\.<\/p>/);
  });

  for (const [page, file, line, pattern] of [
    ['no-alt', 'pages/no-alt.html', 2, /image\('img\/photo\.jpg'\) needs alt: a text saying what the image shows, or alt: '' for a decorative image/],
    ['missing', 'pages/missing.html', 3, /image\('img\/nope\.jpg'\): there is no file static\/img\/nope\.jpg/],
    ['broken', 'pages/broken.html', 1, /image\('img\/broken\.jpg'\): static\/img\/broken\.jpg: sharp cannot read it as an image/],
    ['bad-widths', 'pages/bad-widths.html', 1, /widths must be a list of whole numbers/],
    ['unknown-option', 'pages/unknown-option.html', 1, /unknown option loading/],
    ['bad-preview', 'pages/bad-preview.html', 1, /preview must be true or false/],
  ] as const) {
    it(`names the page and the file: ${page}`, async () => {
      const res = await fetch(`${app.url}/${page}/`, { headers: { accept: 'application/json' } });
      assert.equal(res.status, 500);
      const json = (await res.json()) as { file: string; line: number | null; detail: string };
      assert.equal(json.file, file);
      assert.equal(json.line, line);
      assert.match(json.detail, pattern);
    });
  }

  it('answers 404 for a rendition URL the source does not give (made up, or wider than the source)', async () => {
    const [url] = candidates(photo[0]!.attributes.srcset!)[0]!;
    for (const bad of [url.replace(/-[0-9a-f]{16}\./, '-0123456789abcdef.'), url.replace('/400-', '/4000-'), '/renditions/img/nope.jpg/400-0123456789abcdef.avif', '/renditions/x.avif', '/renditions/img/photo.jpg/400-0123456789abcdef.gif']) {
      assert.equal((await fetch(app.url + bad)).status, 404, bad);
    }
  });
});

describe('renditions are made once', () => {
  it('a second request and a restart make nothing again; new source bytes give new URLs', async () => {
    const site = await makeSite({ 'photo.html': "{{ image('img/photo.jpg', { alt: 'x', widths: [200, 300] }) }}" });
    const urlsOf = async (app: Running) =>
      picturesOf(await (await fetch(`${app.url}/photo/`, { headers: HTML })).text())[0]!.flatMap((tag) => candidates(tag.attributes.srcset!).map(([url]) => url));
    const fetchAll = async (app: Running, urls: string[]) => {
      for (const url of urls) assert.equal((await fetch(app.url + url).then(async (r) => (await r.arrayBuffer(), r))).status, 200, url);
    };

    const first = await startApp(site.env);
    let urls: string[];
    try {
      urls = await urlsOf(first);
      assert.equal(madeLines(first).length, 0, 'writing the page makes no rendition');
      // Concurrent first requests for the same rendition share one making.
      await Promise.all([fetchAll(first, urls), fetchAll(first, urls)]);
      assert.equal(madeLines(first).length, 6, '2 widths x 3 formats');
      await fetchAll(first, urls);
      assert.equal(madeLines(first).length, 6, 'the second request made nothing');
    } finally {
      await first.close();
    }
    const files = readdirSync(site.cacheDir).sort();
    assert.deepEqual(files.map((f) => path.extname(f)).sort(), ['.avif', '.avif', '.jpg', '.jpg', '.preview', '.webp', '.webp'], 'six renditions and the preview, made when the page was');
    const mtimes = files.map((f) => statSync(path.join(site.cacheDir, f)).mtimeMs);

    const restarted = await startApp(site.env);
    try {
      assert.deepEqual(await urlsOf(restarted), urls, 'the same URLs after a restart');
      await fetchAll(restarted, urls);
      assert.equal(madeLines(restarted).length, 0, 'nothing made after a restart');
      assert.deepEqual(readdirSync(site.cacheDir).sort(), files);
      assert.deepEqual(files.map((f) => statSync(path.join(site.cacheDir, f)).mtimeMs), mtimes);

      writeFileSync(path.join(site.staticDir, 'img', 'photo.jpg'), await sharp(await turnedPhoto()).jpeg({ quality: 60 }).withMetadata({ orientation: 6 }).toBuffer());
      const changed = await urlsOf(restarted);
      assert.equal(changed.length, urls.length);
      assert.ok(changed.every((url) => !urls.includes(url)), 'every URL changes with the source bytes');
      const previews = readdirSync(site.cacheDir).filter((f) => f.endsWith('.preview'));
      assert.equal(previews.length, 2, 'a preview made for the new bytes, under a new name');
    } finally {
      await restarted.close();
    }
  });
});

describe('npm run build with images', () => {
  it('writes every rendition a page uses, from the cache, and passes its link check', async () => {
    const site = await makeSite({
      'index.html': "{{ image('img/photo.jpg', { alt: 'x', widths: [200, 300] }) }}",
      // Linked from nowhere, yet built: every generated page is.
      '_data/people.json': JSON.stringify([{ name: 'Ada', photo: 'img/small.jpg' }]),
      'people/[person].html': "---\neach: people\n---\n{{ image(person.photo, { alt: person.name, widths: [100] }) }}",
    });
    const buildDir = path.join(tempDir('lightweight-images-build-'), '_build');
    const build = () =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'build.ts'], { cwd: ROOT, env: { ...process.env, ...site.env, BUILD_DIR: buildDir } });
        let [stdout, stderr] = ['', ''];
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const cold = await build();
    assert.equal(cold.code, 0, cold.stderr);
    const cached = readdirSync(site.cacheDir).sort();
    assert.equal(cached.length, 11, '6 renditions and a preview for the photo, 3 and a preview for the person');

    const html = readFileSync(path.join(buildDir, 'index.html'), 'utf8');
    assert.match(picturesOf(html)[0]![2]!.attributes.style!, /^background:url\(data:image\/webp;base64,/, 'the built page has the preview');
    const person = readFileSync(path.join(buildDir, 'people', 'ada', 'index.html'), 'utf8');
    const urls = [...picturesOf(html), ...picturesOf(person)].flat().flatMap((tag) => candidates(tag.attributes.srcset!).map(([url]) => url));
    assert.equal(urls.length, 9);
    for (const url of urls) {
      const built = readFileSync(path.join(buildDir, ...url.split('/').filter(Boolean).map(decodeURIComponent)));
      const digest = /-([0-9a-f]{16})\.(\w+)$/.exec(url)!;
      assert.deepEqual(built, readFileSync(path.join(site.cacheDir, `${digest[1]}.${digest[2]}`)), `${url} is the cached rendition`);
    }
    assert.ok(statSync(path.join(buildDir, 'static', 'img')).isDirectory(), 'the sources are published as static files');

    const mtimes = cached.map((f) => statSync(path.join(site.cacheDir, f)).mtimeMs);
    const warm = await build();
    assert.equal(warm.code, 0, warm.stderr);
    assert.deepEqual(cached.map((f) => statSync(path.join(site.cacheDir, f)).mtimeMs), mtimes, 'a build with a warm cache makes nothing');
  });
});

/** A page of one image() call in a 400-pixel column, open in Chromium with its renditions held until `release()`; `requested` lists them. */
async function inChromium(call: string, test: (page: Page, release: () => void, requested: string[]) => Promise<void>): Promise<void> {
  const site = await makeSite({ 'index.html': `<div style="width: 400px">{{ ${call} }}</div>` });
  const app = await startApp(site.env);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 800, height: 900 }, deviceScaleFactor: 1, baseURL: app.url });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const requested: string[] = [];
    await page.route('**/renditions/**', async (route) => {
      requested.push(new URL(route.request().url()).pathname);
      await held;
      await route.continue();
    });
    await test(page, release, requested);
  } finally {
    await browser.close();
    await app.close();
  }
}

describe('image() in Chromium', () => {
  it('shows the preview, under the policy, before the rendition arrives, and the photo alone once it has', () =>
    inChromium("image('img/checker.jpg', { alt: 'Red beside a checkerboard', widths: [400, 800], sizes: '400px', class: 'img-fluid' })", async (page, release) => {
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await page.goto('/', { waitUntil: 'domcontentloaded' });
      const img = page.locator('picture img');
      await img.waitFor();
      /** The img's pixel at (x, y) of its box, as shown. */
      const shown = async () => {
        const { data, info } = await sharp(await img.screenshot()).raw().toBuffer({ resolveWithObject: true });
        return (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
      };
      assert.equal(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0), false, 'no bytes yet');
      // Box 400x300: the checker's 40-pixel squares are 20 pixels; (310, 150) is the middle of a black one, (330, 150) of a white one.
      const before = await shown();
      assert.ok(before(100, 150)[0]! > 150 && before(100, 150)[2]! < 110, `the red half, from the preview: ${before(100, 150)}`);
      for (const [x, y] of [[310, 150], [330, 150]] as const) {
        assert.ok(before(x, y).every((v) => v > 60 && v < 200), `the checkerboard a few pixels across is grey: ${before(x, y)} at ${x},${y}`);
      }
      release();
      await page.waitForFunction(() => {
        const el = document.querySelector<HTMLImageElement>('picture img');
        return el !== null && el.complete && el.naturalWidth > 0;
      });
      await page.evaluate(() => document.querySelector<HTMLImageElement>('picture img')!.decode());
      const after = await shown();
      assert.ok(after(100, 150)[0]! > 200 && after(100, 150)[2]! < 60, `red: ${after(100, 150)}`);
      assert.ok(after(310, 150).every((v) => v < 40), `the photo's black square, no grey left: ${after(310, 150)}`);
      assert.ok(after(330, 150).every((v) => v > 215), `the photo's white square, no grey left: ${after(330, 150)}`);
      assert.deepEqual(violations, []);
    }));

  it('picks the AVIF, and the <img> box has its final size before the bytes arrive', () =>
    inChromium("image('img/photo.jpg', { alt: 'Red over blue', widths: [200, 400, 800], sizes: '400px', class: 'img-fluid' })", async (page, release, requested) => {
      await page.goto('/', { waitUntil: 'domcontentloaded' });
      const img = page.locator('picture img');
      await page.waitForFunction(() => document.querySelector('picture img') !== null);
      const before = await img.evaluate((el: HTMLImageElement) => ({ complete: el.complete && el.naturalWidth > 0, box: el.getBoundingClientRect().toJSON() as DOMRect }));
      assert.equal(before.complete, false, 'no bytes yet');
      assert.deepEqual([before.box.width, before.box.height], [400, 600], 'the final box, from width and height');
      release();
      await page.waitForFunction(() => {
        const el = document.querySelector<HTMLImageElement>('picture img');
        return el !== null && el.complete && el.naturalWidth > 0;
      });
      const after = await img.evaluate((el: HTMLImageElement) => ({ src: el.currentSrc, natural: el.naturalWidth, box: el.getBoundingClientRect().toJSON() as DOMRect }));
      assert.match(after.src, /\/renditions\/img\/photo\.jpg\/400-[0-9a-f]{16}\.avif$/);
      assert.equal(after.natural, 400);
      assert.deepEqual([after.box.width, after.box.height], [400, 600], 'nothing moved');
      assert.ok(requested.every((url) => url.endsWith('.avif')), requested.join());
    }));
});
