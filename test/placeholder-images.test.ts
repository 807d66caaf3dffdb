// What the images look like, decoded with sharp after a real HTTP round
// trip: every format's size and colours, where the text goes, fonts and
// fallbacks, SVG against PNG.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { startApp, type Running } from './helpers.ts';

let app: Running;
before(async () => {
  app = await startApp({ SERVICES: 'placeholder' });
});
after(() => app.close());

interface Pixels {
  width: number;
  height: number;
  format: string;
  data: Buffer;
  at(x: number, y: number): [number, number, number, number];
}

async function fetchImage(path: string): Promise<{ bytes: Buffer; contentType: string }> {
  const response = await fetch(app.url + path);
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return { bytes: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get('content-type')! };
}

async function decode(bytes: Buffer): Promise<Pixels> {
  const { format } = await sharp(bytes).metadata();
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    format,
    data,
    at: (x, y) => {
      const i = (y * info.width + x) * 4;
      return [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
    },
  };
}

const image = async (path: string) => decode((await fetchImage(path)).bytes);

const near = (pixel: number[], expected: number[], tolerance: number) => expected.every((v, i) => Math.abs(pixel[i]! - v) <= tolerance);

/** The box of pixels that differ from the background, in pixels. */
function inkBox(pixels: Pixels, background: number[], tolerance = 24) {
  let [left, top, right, bottom, count] = [Infinity, Infinity, -1, -1, 0];
  for (let y = 0; y < pixels.height; y++) {
    for (let x = 0; x < pixels.width; x++) {
      if (near(pixels.at(x, y), background, tolerance)) continue;
      count++;
      [left, top, right, bottom] = [Math.min(left, x), Math.min(top, y), Math.max(right, x), Math.max(bottom, y)];
    }
  }
  return { left, top, right, bottom, count, width: right - left + 1, height: bottom - top + 1 };
}

/** Rows containing ink, grouped into runs: one run per line of text. */
function inkLines(pixels: Pixels, background: number[]): number {
  let lines = 0;
  let inLine = false;
  for (let y = 0; y < pixels.height; y++) {
    let ink = false;
    for (let x = 0; x < pixels.width && !ink; x++) ink = !near(pixels.at(x, y), background, 24);
    if (ink && !inLine) lines++;
    inLine = ink;
  }
  return lines;
}

const BLUE = [0x33, 0x66, 0x99, 255];
const YELLOW = [0xff, 0xcc, 0x00, 255];

describe('every format decodes to the size and colours asked for', () => {
  // Lossless formats give exact colours; JPEG and AVIF come within a few levels.
  const formats = [
    { ext: 'png', sharpFormat: 'png', type: 'image/png', tolerance: 0 },
    { ext: 'jpg', sharpFormat: 'jpeg', type: 'image/jpeg', tolerance: 8 },
    { ext: 'jpeg', sharpFormat: 'jpeg', type: 'image/jpeg', tolerance: 8 },
    { ext: 'webp', sharpFormat: 'webp', type: 'image/webp', tolerance: 0 },
    { ext: 'avif', sharpFormat: 'heif', type: 'image/avif', tolerance: 12 },
    { ext: 'gif', sharpFormat: 'gif', type: 'image/gif', tolerance: 4 },
    { ext: 'svg', sharpFormat: 'svg', type: 'image/svg+xml', tolerance: 2 },
  ];
  for (const { ext, sharpFormat, type, tolerance } of formats) {
    test(ext, async () => {
      for (const [path, width, height] of [
        [`/image/240x160/336699/ffcc00.${ext}`, 240, 160],
        [`/image/120x80@2x/336699/ffcc00.${ext}`, 240, 160],
        [`/image/90.${ext}?bg=336699&fg=ffcc00`, 90, 90],
      ] as const) {
        const { bytes, contentType } = await fetchImage(path);
        assert.equal(contentType, type, path);
        const pixels = await decode(bytes);
        assert.equal(pixels.format, sharpFormat, path);
        assert.deepEqual([pixels.width, pixels.height], [width, height], path);
        for (const [x, y] of [[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]]) {
          assert.ok(near(pixels.at(x!, y!), BLUE, tolerance), `${path} background at ${x},${y}: ${pixels.at(x!, y!)}`);
        }
        const ink = inkBox(pixels, BLUE);
        assert.ok(ink.count > 50, `${path}: no text drawn`);
        let solid = 0;
        for (let y = ink.top; y <= ink.bottom; y++) for (let x = ink.left; x <= ink.right; x++) if (near(pixels.at(x, y), YELLOW, tolerance + 4)) solid++;
        assert.ok(solid > 20, `${path}: text colour not found`);
      }
    });
  }

  test('the book URL is a PNG of the default grey, with a darker grey size on it', async () => {
    const { bytes, contentType } = await fetchImage('/image/300x200/');
    assert.equal(contentType, 'image/png');
    const pixels = await decode(bytes);
    assert.deepEqual([pixels.format, pixels.width, pixels.height], ['png', 300, 200]);
    assert.deepEqual(pixels.at(0, 0), [0xdd, 0xdd, 0xdd, 255]);
    const ink = inkBox(pixels, [0xdd, 0xdd, 0xdd, 255], 0);
    const darkest = Math.min(...Array.from({ length: ink.width }, (_, i) => pixels.at(ink.left + i, (ink.top + ink.bottom) >> 1)[0]));
    assert.ok(darkest < 0x80, `text too light: ${darkest}`);
  });

  test('transparent backgrounds stay transparent, and JPEG shows them over white', async () => {
    for (const ext of ['png', 'webp', 'gif', 'avif', 'svg']) {
      const pixels = await image(`/image/100x60/transparent/000000.${ext}`);
      assert.equal(pixels.at(0, 0)[3], 0, ext);
    }
    assert.ok(near((await image('/image/100x60/transparent/000000.jpg')).at(0, 0), [255, 255, 255, 255], 4));
    const half = await image('/image/100x60/33669980.png');
    assert.deepEqual(half.at(0, 0), [0x33, 0x66, 0x99, 0x80]);
  });

  test('the largest image: 2000x2000@2x is 4000 pixels square', async () => {
    const pixels = await image('/image/2000x2000@2x/');
    assert.deepEqual([pixels.width, pixels.height], [4000, 4000]);
    assert.ok(inkBox(pixels, [0xdd, 0xdd, 0xdd, 255]).count > 10_000);
  });
});

describe('text layout', () => {
  const WHITE = [255, 255, 255, 255];

  test('the size is centred on one line, filling about 90% of the width', async () => {
    const pixels = await image('/image/600x150/ffffff/000000.png');
    const ink = inkBox(pixels, WHITE);
    assert.equal(inkLines(pixels, WHITE), 1);
    assert.ok(ink.width <= 0.9 * 600 && ink.width >= 0.8 * 600, `ink width ${ink.width}`);
    assert.ok(Math.abs(ink.left - (599 - ink.right)) <= 12, `not centred: ${ink.left} vs ${599 - ink.right}`);
    assert.ok(Math.abs(ink.top - (149 - ink.bottom)) <= 12, `not centred vertically: ${ink.top} vs ${149 - ink.bottom}`);
  });

  test('height limits the size when the image is a thin strip', async () => {
    const pixels = await image('/image/1000x40/ffffff/000000.png');
    const ink = inkBox(pixels, WHITE);
    assert.ok(ink.height <= 0.9 * 40 && ink.width < 600, `${ink.width}x${ink.height}`);
  });

  test('line breaks and wrapping at word boundaries give several centred lines', async () => {
    assert.equal(inkLines(await image('/image/400x300/ffffff/000000.png?text=one%0Atwo%0Athree'), WHITE), 3);
    assert.equal(inkLines(await image('/image/400x300/ffffff/000000.png?text=one\\ntwo'), WHITE), 2);
    const wrapped = await image('/image/200x400/ffffff/000000.png?text=The%20quick%20brown%20fox%20jumps%20over%20the%20lazy%20dog');
    assert.ok(inkLines(wrapped, WHITE) >= 3);
    const ink = inkBox(wrapped, WHITE);
    assert.ok(ink.width <= 180 && ink.height <= 360, `${ink.width}x${ink.height}`);
  });

  test('text is left out when it cannot fit legibly, and when empty', async () => {
    for (const path of ['/image/12x12/ffffff/000000.png', '/image/400x300/ffffff/000000.png?text=', '/image/400x300/ffffff/000000.png?text=%20%20']) {
      assert.equal(inkBox(await image(path), WHITE, 0).count, 0, path);
    }
  });

  test('density multiplies the pixels, not the layout', async () => {
    const one = inkBox(await image('/image/300x100/ffffff/000000.png'), WHITE);
    const two = inkBox(await image('/image/300x100@2x/ffffff/000000.png'), WHITE);
    assert.ok(Math.abs(two.left - 2 * one.left) <= 3 && Math.abs(two.width - 2 * one.width) <= 4, `${JSON.stringify(one)} ${JSON.stringify(two)}`);
  });

  test('each bundled font draws differently', async () => {
    const prints = await Promise.all(['sans', 'serif', 'mono'].map(async (font) => (await fetchImage(`/image/300x100/?text=Hamburg&font=${font}`)).bytes.toString('base64')));
    assert.equal(new Set(prints).size, 3);
  });

  test('characters no bundled font has become the same “no glyph” box; others are drawn', async () => {
    const look = async (text: string) => (await image(`/image/300x100/ffffff/000000.png?text=${encodeURIComponent(text)}`)).data.toString('base64');
    assert.equal(await look('中'), await look('文'), 'both are the missing-glyph box');
    assert.notEqual(await look('П'), await look('Р'), 'Cyrillic is in the fonts');
    assert.notEqual(await look('Ω'), await look('Ψ'), 'Greek is in the fonts');
    assert.notEqual(await look('ế'), await look('ệ'), 'Vietnamese is in the fonts');
  });

  test('SVG carries the same outlines as the PNG, and the text escaped', async () => {
    const path = '/image/300x120/ffffff/000000.EXT?text=%3Cb%3E%20%26%20%22q%22';
    const svg = (await fetchImage(path.replace('EXT', 'svg'))).bytes.toString();
    assert.match(svg, /<title>&lt;b&gt; &amp; &quot;q&quot;<\/title>/);
    assert.doesNotMatch(svg, /<b>/);
    const [fromSvg, fromPng] = await Promise.all([image(path.replace('EXT', 'svg')), image(path.replace('EXT', 'png'))]);
    let difference = 0;
    for (let i = 0; i < fromPng.data.length; i++) difference += Math.abs(fromPng.data[i]! - fromSvg.data[i]!);
    const mean = difference / fromPng.data.length;
    assert.ok(mean < 1.5, `mean difference ${mean.toFixed(2)} of 255`);
    assert.ok(inkBox(fromPng, WHITE).count > 500);
  });
});
