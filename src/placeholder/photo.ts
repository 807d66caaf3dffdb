// `/image/600x400/?photo=img/hero.jpg`: the designer's own photo, under
// static/, cropped to the size from its centre and scaled (up too: a
// placeholder is always the size asked), with `blur` and `grayscale` as
// Lorem Picsum has them. The photo may change under the same URL, so its
// ETag follows the photo's bytes and browsers ask again every time.
import type { Sharp } from 'sharp';
import { encodePhotograph, RENDITION_VERSION } from '../images/renditions.ts';
import { SourceImageError } from '../images/source.ts';
import { loadSharp } from '../render-queue.ts';
import type { Format, PlaceholderImage } from './grammar.ts';

/** Part of the ETag of every photo placeholder: a change to the encoders gives new ETags. */
export const PHOTO_RENDERER = `lightweight-photo/1 ${RENDITION_VERSION}`;

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

/** As image()'s renditions are encoded, and GIF for the tools that still want it. */
function encode(pipeline: Sharp, format: Format): Promise<Buffer> {
  if (format === 'gif') return pipeline.gif({ effort: 4 }).toBuffer();
  if (format === 'svg') throw new Error('A photo placeholder is never an SVG (the grammar refuses it).');
  return encodePhotograph(pipeline, format);
}
