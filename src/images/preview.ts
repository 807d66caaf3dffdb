// The preview image() puts behind a photo: the photo a few pixels across, as
// a WebP data URI in the <img>'s background, which the browser scales up to
// the box (and so blurs) until the rendition arrives and covers it. No
// script: the photo, once drawn, hides it. So only an opaque photo gets
// one; through a transparent one the preview would stay visible.
//
// A tiny WebP made by sharp rather than a ThumbHash: the HTML needs an image
// the browser decodes itself, and turning a ThumbHash into one (its own
// helper writes an uncompressed PNG, several KB as a data URI) would take
// sharp anyway, with one more package and one more lossy step. The WebP is
// about 100 bytes; a photo full of noise stays under 300.
//
// Made once per version of the source, kept on disk with the renditions
// (./disk-cache.ts) under a digest of the source and these settings.
import { createHash } from 'node:crypto';
import { loadSharp } from '../render-queue.ts';
import type { DiskCache } from './disk-cache.ts';
import { SHARP_VERSION } from './renditions.ts';
import { SourceImageError, type SourceImage } from './source.ts';

/** Pixels on the preview's longer side. */
export const PREVIEW_SIDE = 16;
const ENCODER = { quality: 50, effort: 6 } as const;

/** Bump when a change here alters a preview's bytes. */
const PREVIEW_VERSION = `lightweight-preview/1 sharp@${SHARP_VERSION} ${PREVIEW_SIDE} ${JSON.stringify(ENCODER)}`;

export interface Previews {
  /** The preview's data URI, or null for a photo with transparent pixels. */
  of(source: SourceImage): Promise<string | null>;
}

/** The style attribute's value that shows `preview` behind the <img>, where the photo, drawn, covers it whatever its object-fit. */
export const previewStyle = (preview: string): string => `background:url(${preview}) 50%/contain no-repeat`;

export function createPreviews(disk: DiskCache): Previews {
  const known = new Map<string, Promise<string | null>>();
  // One at a time: a preview decodes its whole source, and a page asks for all of its photos at once.
  let previous: Promise<unknown> = Promise.resolve();
  return {
    of(source) {
      let preview = known.get(source.hash);
      if (!preview) {
        const name = `${createHash('sha256').update(`${PREVIEW_VERSION}\0${source.hash}`).digest('hex').slice(0, 16)}.preview`;
        preview = previous.then(async () => {
          const cached = await disk.get(name);
          if (cached) return cached.length ? cached.toString('utf8') : null;
          const made = await makePreview(source);
          await disk.put(name, Buffer.from(made ?? '', 'utf8'));
          return made;
        });
        previous = preview.catch(() => undefined);
        known.set(source.hash, preview);
        preview.catch(() => known.delete(source.hash));
      }
      return preview;
    },
  };
}

/** The data URI of the photo at most PREVIEW_SIDE pixels on a side, EXIF orientation applied; null when it is not opaque. */
export async function makePreview(source: SourceImage): Promise<string | null> {
  const sharp = await loadSharp();
  try {
    if (source.hasAlpha && !(await sharp(source.file, { failOn: 'error' }).stats()).isOpaque) return null;
    const webp = await sharp(source.file, { failOn: 'error' })
      .rotate()
      .resize(PREVIEW_SIDE, PREVIEW_SIDE, { fit: 'inside' })
      .removeAlpha()
      .webp(ENCODER)
      .toBuffer();
    return `data:image/webp;base64,${webp.toString('base64')}`;
  } catch (err) {
    throw new SourceImageError(`sharp cannot read it as an image (${err instanceof Error ? err.message : String(err)})`);
  }
}
