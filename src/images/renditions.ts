// Renditions: one source image at one width in one format. Each has a
// content-addressed URL (a digest of the source's bytes, the width, the
// format and the encoder settings), so a URL names one set of bytes forever:
//
//   /renditions/img/hero.jpg/640-3f9a1c2e0b4d5e6f.avif
//
// The bytes are made with sharp on first request and kept on disk (see
// ./disk-cache.ts), so neither a restart nor a build makes them twice.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Sharp } from 'sharp';
import { loadSharp } from '../render-queue.ts';
import type { SourceImage } from './source.ts';

export const RENDITIONS_PREFIX = '/renditions';

export const FORMATS = {
  avif: { contentType: 'image/avif' },
  webp: { contentType: 'image/webp' },
  jpg: { contentType: 'image/jpeg' },
  png: { contentType: 'image/png' },
} as const;
export type Format = keyof typeof FORMATS;

/** Encoder settings: part of every digest, so changing one gives new URLs rather than stale caches. */
const ENCODERS = {
  avif: { quality: 50, effort: 2 },
  webp: { quality: 75, effort: 4 },
  jpg: { quality: 78, mozjpeg: true },
  png: { compressionLevel: 9, effort: 7 },
} as const;

const require = createRequire(import.meta.url);
export const SHARP_VERSION = (JSON.parse(readFileSync(path.join(path.dirname(require.resolve('sharp')), '..', 'package.json'), 'utf8')) as { version: string }).version;

/** Bump when a change here alters the bytes of an existing URL. */
export const RENDITION_VERSION = `lightweight-renditions/1 sharp@${SHARP_VERSION} ${JSON.stringify(ENCODERS)}`;

export interface Rendition {
  /** The source's path under static/, with "/" separators: "img/hero.jpg". */
  source: string;
  width: number;
  format: Format;
  /** 16 hex digits naming the bytes. */
  digest: string;
}

export function digestOf(sourceHash: string, width: number, format: Format): string {
  return createHash('sha256').update(`${RENDITION_VERSION}\0${sourceHash}\0${width}\0${format}`).digest('hex').slice(0, 16);
}

export function renditionOf(source: string, image: SourceImage, width: number, format: Format): Rendition {
  return { source, width, format, digest: digestOf(image.hash, width, format) };
}

export function renditionUrl(rendition: Rendition): string {
  const source = rendition.source.split('/').map(encodeURIComponent).join('/');
  return `${RENDITIONS_PREFIX}/${source}/${rendition.width}-${rendition.digest}.${rendition.format}`;
}

const FILE_NAME = /^([1-9]\d{0,4})-([0-9a-f]{16})\.(avif|webp|jpg|png)$/;

/** The rendition a URL's decoded segments (after the prefix) name, or null. */
export function parseRendition(segments: readonly string[]): Rendition | null {
  const match = FILE_NAME.exec(segments.at(-1) ?? '');
  if (!match || segments.length < 2) return null;
  return { source: segments.slice(0, -1).join('/'), width: Number(match[1]), format: match[3] as Format, digest: match[2]! };
}

/**
 * The widths a source can have: as asked, sorted, without duplicates, and
 * none wider than the source (a wider one is replaced, once, by the
 * source's own width).
 */
export function fittedWidths(widths: readonly number[], sourceWidth: number): number[] {
  return [...new Set(widths.map((w) => Math.min(w, sourceWidth)))].sort((a, b) => a - b);
}

/** Height of a rendition `width` wide: the source's aspect ratio, as sharp rounds it. */
export function heightAt(image: SourceImage, width: number): number {
  return width === image.width ? image.height : Math.max(1, Math.round((image.height * width) / image.width));
}

/** The bytes of a rendition: EXIF orientation applied, resized (never enlarged), metadata stripped (sharp keeps none unless asked). */
export async function makeRendition(file: string, width: number, format: Format): Promise<Buffer> {
  const sharp = await loadSharp();
  return encodePhotograph(sharp(file, { failOn: 'error' }).rotate().resize({ width, withoutEnlargement: true }), format);
}

/** A photograph in `format`, with the renditions' encoder settings (JPEG over white: it has no transparency). */
export function encodePhotograph(pipeline: Sharp, format: Format): Promise<Buffer> {
  switch (format) {
    case 'avif':
      return pipeline.avif(ENCODERS.avif).toBuffer();
    case 'webp':
      return pipeline.webp(ENCODERS.webp).toBuffer();
    case 'jpg':
      return pipeline.flatten({ background: '#ffffff' }).jpeg(ENCODERS.jpg).toBuffer();
    case 'png':
      return pipeline.png(ENCODERS.png).toBuffer();
  }
}
