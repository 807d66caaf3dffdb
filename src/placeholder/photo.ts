// `/image/600x400/?photo=img/hero.jpg`: the designer's own photo, under
// static/, cropped to the size from its centre and scaled (up too: a
// placeholder is always the size asked), with `blur` and `grayscale` as
// Lorem Picsum has them. The photo may change under the same URL, so its
// ETag follows the photo's bytes and browsers ask again every time.
import type { Sharp } from 'sharp';
import { SourceImageError } from '../images/source.ts';
import { loadSharp } from '../render-queue.ts';
import type { Format, PlaceholderImage } from './grammar.ts';

/** Encoders for photographs (the flat placeholders' lossless settings would make them large). */
const ENCODERS = {
  png: { compressionLevel: 9, effort: 4 },
  jpg: { quality: 80, mozjpeg: true },
  webp: { quality: 80, effort: 4 },
  avif: { quality: 50, effort: 2 },
  gif: { effort: 4 },
} as const;

/** Part of the ETag of every photo placeholder: a change here gives new ETags. */
export const PHOTO_RENDERER = `lightweight-photo/1 ${JSON.stringify(ENCODERS)}`;

export async function renderPhoto(image: PlaceholderImage, file: string): Promise<Buffer> {
  const photo = image.photo!;
  const sharp = await loadSharp();
  let pipeline = sharp(file, { failOn: 'error' })
    .rotate()
    .resize(image.width * image.scale, image.height * image.scale, { fit: 'cover', position: 'centre' });
  if (photo.blur) pipeline = pipeline.blur(photo.blur * image.scale);
  if (photo.grayscale) pipeline = pipeline.grayscale();
  try {
    return await encode(pipeline, image.format);
  } catch (err) {
    // Its header read, its pixels not: a truncated or damaged file.
    throw new SourceImageError(`sharp cannot decode it (${err instanceof Error ? err.message : String(err)})`);
  }
}

function encode(pipeline: Sharp, format: Format): Promise<Buffer> {
  switch (format) {
    case 'png':
      return pipeline.png(ENCODERS.png).toBuffer();
    case 'jpg':
      // JPEG has no alpha: a transparent photo is shown over white, as on most pages.
      return pipeline.flatten({ background: '#ffffff' }).jpeg(ENCODERS.jpg).toBuffer();
    case 'webp':
      return pipeline.webp(ENCODERS.webp).toBuffer();
    case 'avif':
      return pipeline.avif(ENCODERS.avif).toBuffer();
    case 'gif':
      return pipeline.gif(ENCODERS.gif).toBuffer();
    default:
      throw new Error(`No photo encoder for ${format}`);
  }
}
