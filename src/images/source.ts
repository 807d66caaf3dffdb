// A source image under static/: what its renditions depend on (a hash of its
// bytes) and what the <picture> needs (its size as shown, after EXIF
// orientation, and whether it has transparency). Read once per version of
// the file.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadSharp } from '../render-queue.ts';

export interface SourceImage {
  /** Real path of the file. */
  file: string;
  /** Hex SHA-256 of its bytes. */
  hash: string;
  /** As shown: after its EXIF orientation. */
  width: number;
  height: number;
  hasAlpha: boolean;
}

/** A file sharp cannot read as an image. */
export class SourceImageError extends Error {
  override name = 'SourceImageError';
}

/** EXIF orientations 5 to 8 turn the image a quarter: width and height swap. */
const QUARTER_TURNS = new Set([5, 6, 7, 8]);

export interface SourceReader {
  read(file: string): Promise<SourceImage>;
}

export function createSourceReader(): SourceReader {
  const known = new Map<string, { version: string; image: Promise<SourceImage> }>();
  return {
    read(file) {
      // A new version of the file (an edit, a replacement) is read again.
      const stat = statSync(file);
      const version = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
      const cached = known.get(file);
      if (cached?.version === version) return cached.image;
      const image = readSource(file);
      known.set(file, { version, image });
      image.catch(() => known.delete(file));
      return image;
    },
  };
}

async function readSource(file: string): Promise<SourceImage> {
  const bytes = await readFile(file);
  const sharp = await loadSharp();
  let meta;
  try {
    meta = await sharp(bytes).metadata();
  } catch (err) {
    throw new SourceImageError(`sharp cannot read it as an image (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!meta.width || !meta.height) throw new SourceImageError('sharp finds no width and height in it');
  const turned = QUARTER_TURNS.has(meta.orientation ?? 1);
  return {
    file,
    hash: createHash('sha256').update(bytes).digest('hex'),
    width: turned ? meta.height : meta.width,
    height: turned ? meta.width : meta.height,
    hasAlpha: meta.hasAlpha === true,
  };
}
