// What `image(src, options)` asks for, checked, and the <picture> it becomes:
// an AVIF and a WebP <source>, and an <img> in JPEG (PNG when the source
// has transparency), each listing every width with a `w` descriptor. The
// <img> has the source's aspect ratio in width and height, so the page does
// not shift while it loads, and the photo a few pixels across as its
// background (./preview.ts), so the box shows its colours and shapes at once.
import { escapeHtml } from '../http.ts';
import { fittedWidths, FORMATS, heightAt, renditionOf, renditionUrl, type Format } from './renditions.ts';
import { previewStyle } from './preview.ts';
import type { SourceImage } from './source.ts';

export const DEFAULT_WIDTHS = [640, 1280, 1920];
export const DEFAULT_SIZES = '100vw';
const MAX_WIDTH = 10_000;
const OPTIONS = ['alt', 'widths', 'sizes', 'eager', 'class', 'preview'];

export interface PictureRequest {
  /** Path under static/, "/" separators, no leading slash: "img/hero.jpg". */
  src: string;
  /** '' for a decorative image. */
  alt: string;
  widths: number[];
  sizes: string;
  eager: boolean;
  className: string | null;
  /** Show the photo a few pixels across until it loads. */
  preview: boolean;
}

/** A mistake in an image() call; the message says which call and what to write instead. */
export class ImageOptionsError extends Error {
  override name = 'ImageOptionsError';
}

export function pictureRequest(src: unknown, options: unknown): PictureRequest {
  if (typeof src !== 'string' || src.trim() === '') {
    throw new ImageOptionsError("image() needs the path of a file under static/, e.g. image('img/hero.jpg', { alt: 'The team at work' }).");
  }
  const call = `image('${src}')`;
  if (options === undefined || options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ImageOptionsError(`${call} needs its options, at least { alt: '…' } (alt: '' for a decorative image).`);
  }
  const o = options as Record<string, unknown>;
  const unknown = Object.keys(o).filter((key) => !OPTIONS.includes(key));
  if (unknown.length) throw new ImageOptionsError(`${call}: unknown option ${unknown.join(', ')}; the options are ${OPTIONS.join(', ')}.`);
  if (typeof o.alt !== 'string') {
    throw new ImageOptionsError(`${call} needs alt: a text saying what the image shows, or alt: '' for a decorative image.`);
  }
  const widths = o.widths ?? DEFAULT_WIDTHS;
  if (!Array.isArray(widths) || widths.length === 0 || !widths.every((w) => Number.isInteger(w) && w >= 1 && w <= MAX_WIDTH)) {
    throw new ImageOptionsError(`${call}: widths must be a list of whole numbers of pixels from 1 to ${MAX_WIDTH}, e.g. [480, 960, 1600].`);
  }
  if (o.sizes !== undefined && (typeof o.sizes !== 'string' || o.sizes.trim() === '')) {
    throw new ImageOptionsError(`${call}: sizes must be a sizes attribute, e.g. '(min-width: 960px) 50vw, 100vw'.`);
  }
  if (o.eager !== undefined && typeof o.eager !== 'boolean') throw new ImageOptionsError(`${call}: eager must be true or false.`);
  if (o.preview !== undefined && typeof o.preview !== 'boolean') throw new ImageOptionsError(`${call}: preview must be true or false.`);
  if (o.class !== undefined && typeof o.class !== 'string') throw new ImageOptionsError(`${call}: class must be a text of class names.`);
  return {
    src: src.replace(/^\/+/, '').replace(/^static\//, ''),
    alt: o.alt,
    widths: widths as number[],
    sizes: (o.sizes as string | undefined) ?? DEFAULT_SIZES,
    eager: o.eager === true,
    className: (o.class as string | undefined) ?? null,
    preview: o.preview !== false,
  };
}

/** `preview`: the data URI of the photo a few pixels across, or null for none. */
export function pictureHtml(request: PictureRequest, image: SourceImage, preview: string | null): string {
  const widths = fittedWidths(request.widths, image.width);
  const srcset = (format: Format) => widths.map((w) => `${renditionUrl(renditionOf(request.src, image, w, format))} ${w}w`).join(', ');
  const fallback: Format = image.hasAlpha ? 'png' : 'jpg';
  const sizes = escapeHtml(request.sizes);
  const widest = widths.at(-1)!;
  const img = [
    `src="${renditionUrl(renditionOf(request.src, image, widths[0]!, fallback))}"`,
    `srcset="${srcset(fallback)}"`,
    `sizes="${sizes}"`,
    `width="${widest}"`,
    `height="${heightAt(image, widest)}"`,
    `alt="${escapeHtml(request.alt)}"`,
    ...(request.className ? [`class="${escapeHtml(request.className)}"`] : []),
    ...(preview ? [`style="${escapeHtml(previewStyle(preview))}"`] : []),
    ...(request.eager ? ['loading="eager"', 'fetchpriority="high"'] : ['loading="lazy"']),
    'decoding="async"',
  ];
  return (
    '<picture>' +
    (['avif', 'webp'] as const).map((format) => `<source type="${FORMATS[format].contentType}" srcset="${srcset(format)}" sizes="${sizes}">`).join('') +
    `<img ${img.join(' ')}>` +
    '</picture>'
  );
}
