// `/image/600x400/?photo=img/hero.jpg`: the designer's own photo under
// static/, cropped and scaled to the size (decoded with sharp), its blur and
// grayscale measured on the pixels, cached and ETagged with the photo's
// bytes, and the refusals: outside static/, missing, not an image.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { placeholderUrl } from '../src/placeholder/grammar.ts';
import { RenderQueue } from '../src/render-queue.ts';
import { startPart, type RunningPart } from './fixtures/placeholder-part.ts';
import { NAV_PAGES, writeFiles } from './fixtures/site.ts';
import { ROOT } from '../src/settings.ts';
import { tempDir } from './helpers.ts';

/** 800x600: red on the left half, blue on the right (or the other way round). */
function halves(left: string, right: string): Promise<Buffer> {
  const half = (colour: string) => sharp({ create: { width: 400, height: 600, channels: 3, background: colour } }).png().toBuffer();
  return Promise.all([half(left), half(right)]).then(([a, b]) =>
    sharp({ create: { width: 800, height: 600, channels: 3, background: '#000' } })
      .composite([{ input: a, left: 0, top: 0 }, { input: b, left: 400, top: 0 }])
      .jpeg({ quality: 95 })
      .toBuffer(),
  );
}

/** 800x600 of 8-pixel black and white squares: sharp edges everywhere, for blur to smooth. */
function checker(): Promise<Buffer> {
  const [w, h] = [800, 600];
  const pixels = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels[y * w + x] = (Math.floor(x / 8) + Math.floor(y / 8)) % 2 ? 255 : 0;
  return sharp(pixels, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
}

interface Decoded {
  format: string | undefined;
  width: number;
  height: number;
  /** RGB at (x, y). */
  at(x: number, y: number): number[];
}

async function decode(bytes: Buffer): Promise<Decoded> {
  const { format } = await sharp(bytes).metadata();
  const { data, info } = await sharp(bytes).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    format,
    width: info.width,
    height: info.height,
    at: (x, y) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)],
  };
}

const isRed = ([r, g, b]: number[]) => r! > 200 && g! < 60 && b! < 60;
const isBlue = ([r, g, b]: number[]) => b! > 200 && r! < 60 && g! < 60;

let server: RunningPart;
let staticDir: string;
before(async () => {
  const root = tempDir('lightweight-photo-');
  staticDir = path.join(root, 'static');
  writeFiles(staticDir, {
    'img/hero.jpg': await halves('#ff0000', '#0000ff'),
    'img/checker.png': await checker(),
    'img/broken.jpg': 'this is not an image',
    'notes.txt': 'not an image either',
  });
  writeFileSync(path.join(root, 'secret.jpg'), await halves('#00ff00', '#00ff00'));
  symlinkSync(path.join(root, 'secret.jpg'), path.join(staticDir, 'img', 'link.jpg'));
  server = await startPart({ STATIC_DIR: staticDir });
});
after(() => server.close());

const get = (url: string, headers: Record<string, string> = {}) => fetch(server.url + url, { headers });
const bytesOf = async (url: string) => {
  const response = await get(url);
  assert.equal(response.status, 200, `${url}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
};

describe('?photo= sizes and formats', () => {
  test('crops from the centre and scales to the size asked, in each format, at @2x too', async () => {
    for (const [url, format, width, height] of [
      ['/image/600x400/?photo=img/hero.jpg', 'png', 600, 400],
      ['/image/300x300.jpg?photo=img/hero.jpg', 'jpeg', 300, 300],
      ['/image/200x600.webp?photo=/static/img/hero.jpg', 'webp', 200, 600],
      ['/image/1600x200.avif?photo=img/hero.jpg', 'heif', 1600, 200],
      ['/image/150x100@2x.gif?photo=img/hero.jpg', 'gif', 300, 200],
    ] as const) {
      const image = await decode(await bytesOf(url));
      assert.deepEqual([image.format, image.width, image.height], [format, width, height], url);
      // The centre crop keeps the red/blue border in the middle, whatever the shape.
      assert.ok(isRed(image.at(Math.floor(width * 0.3), height >> 1)), `${url}: red left of the middle, ${image.at(Math.floor(width * 0.3), height >> 1)}`);
      assert.ok(isBlue(image.at(Math.floor(width * 0.7), height >> 1)), `${url}: blue right of it, ${image.at(Math.floor(width * 0.7), height >> 1)}`);
    }
  });

  test('a tall crop of a wide photo is cut from its centre: a 100x600 strip is all border', async () => {
    const image = await decode(await bytesOf('/image/100x600/?photo=img/hero.jpg'));
    assert.ok(isRed(image.at(10, 300)) && isBlue(image.at(90, 300)), `${image.at(10, 300)} ${image.at(90, 300)}`);
  });
});

describe('?photo= effects, measured', () => {
  /** Mean absolute difference between neighbouring pixels along a row: sharp edges make it large. */
  const edginess = (image: Decoded) => {
    let sum = 0;
    for (let x = 1; x < image.width; x++) sum += Math.abs(image.at(x, 100)[0]! - image.at(x - 1, 100)[0]!);
    return sum / (image.width - 1);
  };

  test('blur smooths the edges, more as it grows; blur alone is blur=5', async () => {
    const sharpEdges = edginess(await decode(await bytesOf('/image/400x300/?photo=img/checker.png')));
    const light = edginess(await decode(await bytesOf('/image/400x300/?photo=img/checker.png&blur=1')));
    const strong = edginess(await decode(await bytesOf('/image/400x300/?photo=img/checker.png&blur=10')));
    assert.ok(sharpEdges > 20, `unblurred, the 4-pixel squares differ a lot from pixel to pixel: ${sharpEdges}`);
    assert.ok(light < sharpEdges * 0.8, `blur=1 softens: ${light} < ${sharpEdges}`);
    assert.ok(strong < 1, `blur=10 leaves an even grey: ${strong}`);
    assert.deepEqual(await bytesOf('/image/400x300/?photo=img/checker.png&blur'), await bytesOf('/image/400x300/?photo=img/checker.png&blur=5'));
  });

  test('grayscale leaves no colour, and red and blue as different greys', async () => {
    const image = await decode(await bytesOf('/image/400x300.jpg?photo=img/hero.jpg&grayscale'));
    for (const [x, y] of [[50, 50], [350, 250], [100, 200], [300, 100]] as const) {
      const [r, g, b] = image.at(x, y);
      assert.ok(Math.abs(r! - g!) <= 2 && Math.abs(g! - b!) <= 2, `grey at ${x},${y}: ${[r, g, b]}`);
    }
    assert.ok(image.at(100, 150)[0]! - image.at(300, 150)[0]! > 20, `red is a lighter grey than blue: ${image.at(100, 150)} ${image.at(300, 150)}`);
  });
});

describe('?photo= spellings', () => {
  test('one image, one ETag, however it is written; placeholder() in a template writes the canonical URL', async () => {
    const canonical = placeholderUrl(300, 200, { photo: 'img/hero.jpg', blur: 3, grayscale: true });
    assert.equal(canonical, '/image/300x200/?photo=img/hero.jpg&blur=3&grayscale');
    const etags = new Set<string | null>();
    for (const url of [canonical, '/image/300x200?grayscale=true&blur=3&photo=/static/img/hero.jpg', '/image/300x200.png?photo=static/img//hero.jpg&grayscale=1&blur=03']) {
      const response = await get(url);
      assert.equal(response.status, 200, url);
      await response.arrayBuffer();
      etags.add(response.headers.get('etag'));
    }
    assert.equal(etags.size, 1, [...etags].join());
    assert.notEqual((await get('/image/300x200/?photo=img/hero.jpg&blur=3')).headers.get('etag'), [...etags][0], 'grayscale is part of it');
  });
});

describe('?photo= caching', () => {
  test('an ETag that follows the photo: 304 while it is the same, new bytes and ETag once it changes', async () => {
    const url = '/image/120x90.jpg?photo=img/swap.jpg';
    writeFileSync(path.join(staticDir, 'img', 'swap.jpg'), await halves('#ff0000', '#0000ff'));
    const first = await get(url);
    const etag = first.headers.get('etag')!;
    assert.match(etag, /^"[A-Za-z0-9_-]{20,}"$/);
    assert.equal(first.headers.get('cache-control'), 'no-cache', 'kept, but asked about again: the photo may change under the URL');
    assert.ok(isRed((await decode(Buffer.from(await first.arrayBuffer()))).at(20, 45)));
    const renders = server.part.stats().renders;
    assert.equal((await get(url, { 'if-none-match': etag })).status, 304);
    assert.equal((await get(url)).headers.get('etag'), etag);
    assert.equal(server.part.stats().renders, renders, 'answered from the cache, not drawn again');

    writeFileSync(path.join(staticDir, 'img', 'swap.jpg'), await halves('#0000ff', '#ff0000'));
    const changed = await get(url, { 'if-none-match': etag });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);
    assert.ok(isBlue((await decode(Buffer.from(await changed.arrayBuffer()))).at(20, 45)), 'the new photo');
  });

  test('a big photo waits in the large lane, whatever the size asked: with no memory to spare it is refused with 503', async () => {
    const starved = new RenderQueue({ concurrency: 1, memoryBudget: Infinity, memoryCeiling: 0, residentMemory: () => 1 });
    const part = await startPart({ STATIC_DIR: staticDir }, starved);
    try {
      assert.equal((await fetch(`${part.url}/image/100x100/`)).status, 200, 'a small placeholder draws');
      const refused = await fetch(`${part.url}/image/100x100/?photo=img/hero.jpg`);
      assert.equal(refused.status, 503, 'the 800x600 photo is decoded whole: costed as its own pixels');
      assert.equal(refused.headers.get('retry-after'), '1');
    } finally {
      await part.close();
    }
  });
});

describe('?photo= refusals', () => {
  const refusal = async (url: string) => {
    const response = await get(url, { accept: 'application/json' });
    return { status: response.status, detail: ((await response.json()) as { detail: string }).detail };
  };

  for (const [photo, why] of [
    ['../secret.jpg', 'traversal'],
    ['img/../../secret.jpg', 'traversal inside the path'],
    ['%2e%2e%2fsecret.jpg', 'encoded traversal'],
    ['%252e%252e%252fsecret.jpg', 'encoded twice'],
    ['/etc/passwd', 'absolute'],
    ['C:%5Cwindows%5Cwin.ini', 'a drive letter and backslashes'],
    ['img/.hidden.jpg', 'a hidden name'],
    ['', 'empty'],
  ] as const) {
    test(`refuses a path outside static/ (${why}) with 400`, async () => {
      const { status, detail } = await refusal(`/image/600x400/?photo=${photo}`);
      if (why === 'encoded twice') {
        // Decoded once, it names a file called "%2e%2e%2fsecret.jpg" in static/: there is none.
        assert.equal(status, 404, detail);
        return;
      }
      assert.equal(status, 400, detail);
      assert.match(detail, /photo must be the path of an image under static\//);
    });
  }

  test('a link out of static/ is not followed: 404', async () => {
    const { status, detail } = await refusal('/image/600x400/?photo=img/link.jpg');
    assert.equal(status, 404);
    assert.match(detail, /There is no file static\/img\/link\.jpg/);
  });

  test('a missing file: 404 naming it, kept by no cache, and the image once the file is there', async () => {
    const url = '/image/60x40/?photo=img/later.jpg';
    const response = await get(url, { accept: 'application/json' });
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(((await response.json()) as { detail: string }).detail, 'There is no file static/img/later.jpg: photo= names an image under static/, like img/hero.jpg.');
    writeFileSync(path.join(staticDir, 'img', 'later.jpg'), await halves('#ff0000', '#0000ff'));
    assert.deepEqual((await decode(await bytesOf(url))).width, 60);
  });

  test('not an image: 422 naming it', async () => {
    for (const photo of ['notes.txt', 'img/broken.jpg']) {
      const { status, detail } = await refusal(`/image/600x400/?photo=${photo}`);
      assert.equal(status, 422, photo);
      assert.match(detail, new RegExp(`static/${photo.replace('.', '\\.')} is not an image`));
    }
  });

  test('the grammar: effects without a photo, colours or text with one, an SVG, blur out of range', async () => {
    for (const [url, pattern] of [
      ['/image/600x400/?blur=3', /blur applies to a photo/],
      ['/image/600x400/?grayscale', /grayscale applies to a photo/],
      ['/image/600x400/eee/?photo=img/hero.jpg', /leave out bg/],
      ['/image/600x400/?photo=img/hero.jpg&text=Hi', /leave out text/],
      ['/image/600x400.svg?photo=img/hero.jpg', /cannot be an SVG/],
      ['/image/600x400/?photo=img/hero.jpg&blur=11', /blur must be a whole number from 1 to 10/],
      ['/image/600x400/?photo=img/hero.jpg&grayscale=no', /grayscale takes no value/],
      ['/image/600x400/?photo=img/hero.jpg&photo=img/hero.jpg', /Give photo only once/],
      ['/image/2001x400/?photo=img/hero.jpg', /Width and height must be whole numbers from 1 to 2000/],
    ] as const) {
      const { status, detail } = await refusal(url);
      assert.equal(status, 400, url);
      assert.match(detail, pattern, url);
    }
  });
});

describe('npm run build with ?photo=', () => {
  test('writes the photo placeholder a page uses, and draws it again when the photo changes (the build cache keeps no stale copy)', async () => {
    const root = tempDir('lightweight-photo-build-');
    const [pagesDir, siteStatic, buildDir] = ['pages', 'static', '_build'].map((name) => path.join(root, name)) as [string, string, string];
    writeFiles(pagesDir, { ...NAV_PAGES, 'index.html': '<h1>Home</h1><img src="/image/120x90.jpg?photo=img/hero.jpg&grayscale" alt="Hero" width="120" height="90">' });
    writeFiles(siteStatic, { 'img/hero.jpg': await halves('#ff0000', '#0000ff'), 'css/site.css': readFileSync(path.join(ROOT, 'static/css/site.css')) });
    cpSync(path.join(ROOT, 'static/img/logo.svg'), path.join(siteStatic, 'img/logo.svg'));
    const build = () =>
      new Promise<void>((resolve, reject) => {
        const env = { ...process.env, PAGES_DIR: pagesDir, STATIC_DIR: siteStatic, BUILD_DIR: buildDir, IMAGE_CACHE_DIR: path.join(root, 'cache') };
        const child = spawn(process.execPath, ['--import', 'tsx', 'build.ts'], { cwd: ROOT, env });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`build exited ${code}: ${stderr}`))));
      });
    const leftGrey = async () => {
      const html = readFileSync(path.join(buildDir, 'index.html'), 'utf8');
      const src = /<img src="([^"]+)" alt="Hero"/.exec(html)![1]!;
      assert.match(src, /^\/image\/120x90-photo[0-9a-f]+-g\.jpg$/, 'named by its canonical parameters');
      assert.deepEqual(readdirSync(path.join(buildDir, 'image')).filter((f) => !/\.(gz|br)$/.test(f)), [src.slice('/image/'.length)]);
      return (await decode(readFileSync(path.join(buildDir, src)))).at(20, 45)[0]!;
    };
    await build();
    const red = await leftGrey();
    writeFileSync(path.join(siteStatic, 'img', 'hero.jpg'), await halves('#0000ff', '#ff0000'));
    await build();
    const blue = await leftGrey();
    assert.ok(red - blue > 20, `the left half was red (a light grey, ${red}), now blue (a dark one, ${blue})`);
  });
});
