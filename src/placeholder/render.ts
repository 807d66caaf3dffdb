// From canonical parameters to bytes: lay the text out, then draw it as SVG
// paths, as a palette PNG of our own, or as pixels that sharp encodes
// (JPEG, WebP, AVIF, GIF).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadSharp } from '../render-queue.ts';
import { over, WHITE, type Rgba } from './colours.ts';
import { FONT_NAMES, FONTS } from './fonts.ts';
import type { PlaceholderImage } from './grammar.ts';
import { layoutText, type TextLayout } from './layout.ts';
import { encodePalettePng, paletteRows } from './png.ts';
import { rasterize, textBand, type Band } from './raster.ts';
import { encodeSvg } from './svg.ts';

/** Bump when a change here alters the output for an existing URL. */
const RENDERER = 'lightweight-placeholder/1';

const require = createRequire(import.meta.url);
/** The version in a package's package.json, found above its entry point (not every package exports it). */
function installedVersion(pkg: string): string {
  for (let dir = path.dirname(require.resolve(pkg)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (path.basename(dir) === path.basename(pkg)) return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  }
  throw new Error(`No package.json found for ${pkg}`);
}

/**
 * Everything besides the URL that the bytes depend on; part of every ETag,
 * so upgrading a font or an encoder gives new ETags rather than stale 304s.
 */
export const RENDERER_VERSION = [
  RENDERER,
  `fontkit@${installedVersion('fontkit')}`,
  `sharp@${installedVersion('sharp')}`,
  ...FONT_NAMES.map((name) => `${FONTS[name].package}@${installedVersion(FONTS[name].package)}`),
].join(' ');

/**
 * The RGBA colour of each coverage level, 4 bytes each: level 0 is the
 * background, 255 the text. `under` is what translucent colours are shown
 * over, for formats without alpha.
 */
function shades(background: Rgba, foreground: Rgba, under?: Rgba): Uint8Array {
  const table = new Uint8Array(256 * 4);
  for (let level = 0; level < 256; level++) {
    const shade = over(foreground, background, level / 255);
    const { r, g, b, a } = under ? over(shade, under) : shade;
    table.set([r, g, b, a], level * 4);
  }
  return table;
}

export async function renderImage(image: PlaceholderImage): Promise<Buffer> {
  const layout = layoutText(image.text, image.font, image.width, image.height);
  if (image.format === 'svg') return encodeSvg(image, layout);
  const [width, height] = [image.width * image.scale, image.height * image.scale];
  const band = layout && textBand(layout, image.scale, width, height);
  if (image.format === 'png') {
    const palette = shades(image.background, image.foreground);
    if (!layout || !band) return encodePalettePng(width, height, palette, 1);
    const { rows, rowStride, firstPixel } = paletteRows(width, band.height);
    const darkest = rasterize(layout, image.scale, band, rows, firstPixel + band.left, rowStride);
    return encodePalettePng(width, height, palette, darkest + 1, { top: band.top, rows });
  }
  return encodeWithSharp(image, layout, band);
}

/** Raw pixels from the palette, handed to sharp's encoders. */
async function encodeWithSharp(image: PlaceholderImage, layout: TextLayout | null, band: Band | null): Promise<Buffer> {
  const [width, height] = [image.width * image.scale, image.height * image.scale];
  // JPEG has no alpha: translucent colours are shown over white, as on most pages.
  const palette = shades(image.background, image.foreground, image.format === 'jpg' ? WHITE : undefined);
  const channels = palette.some((value, i) => i % 4 === 3 && value !== 255) ? 4 : 3;
  const table = channels === 4 ? palette : palette.filter((_, i) => i % 4 !== 3);

  const pixels = Buffer.allocUnsafe(width * height * channels).fill(table.subarray(0, channels));
  if (layout && band) {
    const mask = new Uint8Array(band.width * band.height);
    rasterize(layout, image.scale, band, mask, 0, band.width);
    for (let y = 0; y < band.height; y++) {
      for (let x = 0, m = y * band.width, p = ((band.top + y) * width + band.left) * channels; x < band.width; x++, m++, p += channels) {
        const level = mask[m]!;
        if (level) pixels.set(table.subarray(level * channels, (level + 1) * channels), p);
      }
    }
  }
  const sharp = await loadSharp();
  const pipeline = sharp(pixels, { raw: { width, height, channels } });
  switch (image.format) {
    case 'jpg':
      return pipeline.jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer();
    case 'webp':
      return pipeline.webp({ lossless: true, effort: 1 }).toBuffer();
    case 'avif':
      return pipeline.avif({ quality: 70, effort: 0, chromaSubsampling: '4:4:4' }).toBuffer();
    case 'gif':
      return pipeline.gif({ effort: 1 }).toBuffer();
    default:
      throw new Error(`No encoder for ${image.format}`);
  }
}
