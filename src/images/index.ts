// Responsive images: `{{ image('img/hero.jpg', { alt: '…' }) }}` in a page
// writes a <picture> of renditions (./picture.ts) over a tiny preview of the
// photo (./preview.ts), and /renditions/ serves
// them (./renditions.ts), made on first request through the render queue
// placeholder images use, then kept on disk (./disk-cache.ts).
//
// A page renders synchronously (nunjucks), but reading a source image is
// not: image() checks its call at once (so a mistake names the template
// line), leaves a marker, and the markers are replaced once the page is
// rendered.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Hono, type Context } from 'hono';
import { clientAddress, errorResponse } from '../http.ts';
import type { PartContext } from '../part.ts';
import { QueueFullError, type RenderQueue } from '../render-queue.ts';
import { resolveInside, safeSegments } from '../safe-path.ts';
import { createDiskCache } from './disk-cache.ts';
import { ImageOptionsError, pictureHtml, pictureRequest, type PictureRequest } from './picture.ts';
import { createPreviews } from './preview.ts';
import { digestOf, FORMATS, makeRendition, parseRendition, RENDITIONS_PREFIX, type Rendition } from './renditions.ts';
import { createSourceReader, SourceImageError } from './source.ts';

export { RENDITIONS_PREFIX } from './renditions.ts';
export { ImageOptionsError } from './picture.ts';

/** A URL names one set of bytes forever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** A source image an image() call names that cannot be used; the message names the file. */
export class ImageSourceError extends Error {
  override name = 'ImageSourceError';
  /** The image() call's source, as given (under static/), so the page can say where the call is. */
  readonly src: string;
  constructor(message: string, src: string) {
    super(message);
    this.src = src;
  }
}

export interface Images {
  routes: Hono;
  /** The image() helper for templates: checks the call and returns a marker. */
  image(src: unknown, options: unknown): string;
  /** Run a (synchronous) render, then replace the markers image() left in it with <picture> elements. */
  render(render: () => string): Promise<string>;
}

interface Pending extends PictureRequest {
  file: string;
}

export function createImages({ settings, log }: PartContext, queue: RenderQueue): Images {
  const sources = createSourceReader();
  const disk = createDiskCache(settings.imageCacheDir);
  const previews = createPreviews(disk);
  const inFlight = new Map<string, Promise<Buffer | null>>();
  const staticFolder = path.basename(settings.staticDir);
  // Markers are unguessable, so page text can never be mistaken for one.
  const nonce = randomBytes(6).toString('hex');
  const MARKER = new RegExp(`<!--lightweight-image-${nonce}-(\\d+)-->`, 'g');
  let collecting: Pending[] | null = null;

  function image(src: unknown, options: unknown): string {
    const request = pictureRequest(src, options);
    const segments = safeSegments(request.src);
    const file = segments && segments.length ? resolveInside(settings.staticDir, segments) : null;
    if (!file) throw new ImageOptionsError(`image('${request.src}'): there is no file ${staticFolder}/${request.src}.`);
    if (!collecting) throw new Error('image() can only be used while a page renders.');
    collecting.push({ ...request, src: segments!.join('/'), file });
    return `<!--lightweight-image-${nonce}-${collecting.length - 1}-->`;
  }

  async function render(renderPage: () => string): Promise<string> {
    const outer = collecting;
    const pending: Pending[] = (collecting = []);
    let html: string;
    try {
      html = renderPage();
    } finally {
      collecting = outer;
    }
    if (pending.length === 0) return html;
    const pictures = await Promise.all(
      pending.map(async (request) => {
        try {
          const source = await sources.read(request.file);
          return pictureHtml(request, source, request.preview ? await previews.of(source) : null);
        } catch (err) {
          if (err instanceof SourceImageError) throw new ImageSourceError(`image('${request.src}'): ${staticFolder}/${request.src}: ${err.message}.`, request.src);
          throw err;
        }
      }),
    );
    return html.replace(MARKER, (marker, n: string) => pictures[Number(n)] ?? marker);
  }

  /**
   * The bytes of a rendition: from disk, or made once (identical concurrent
   * requests share the making); null when the URL is not one the source, as
   * it is now, gives (stale, or made up).
   */
  function bytesOf(rendition: Rendition, file: string, client: string): Promise<Buffer | null> {
    const name = `${rendition.digest}.${rendition.format}`;
    const key = `${file}\0${rendition.width}\0${name}`;
    let pending = inFlight.get(key);
    if (!pending) {
      pending = (async () => {
        // Checked before the disk is: the digest alone would let any path or width serve another rendition's bytes.
        const source = await sources.read(file);
        if (rendition.width > source.width || digestOf(source.hash, rendition.width, rendition.format) !== rendition.digest) return null;
        const cached = await disk.get(name);
        if (cached) return cached;
        const started = performance.now();
        // Costed as a square of its width: its height is known only once the source is decoded.
        const bytes = await queue.run({ pixels: rendition.width * rendition.width, client }, () => makeRendition(file, rendition.width, rendition.format));
        log(`image: made ${staticFolder}/${rendition.source} ${rendition.width}w ${rendition.format} (${bytes.length} bytes) in ${Math.round(performance.now() - started)} ms`);
        await disk.put(name, bytes);
        return bytes;
      })().finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }

  async function serve(c: Context): Promise<Response> {
    const rawPath = new URL(c.req.url).pathname.slice(RENDITIONS_PREFIX.length);
    const segments = safeSegments(rawPath);
    const rendition = segments && parseRendition(segments);
    if (!rendition) return errorResponse(c, 404, `No rendition at ${c.req.path}.`);
    const etag = `"${rendition.digest}"`;
    const headers = { ETag: etag, 'Cache-Control': IMMUTABLE };
    const ifNoneMatch = c.req.header('if-none-match');
    if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
      return new Response(null, { status: 304, headers });
    }
    const file = resolveInside(settings.staticDir, segments!.slice(0, -1));
    if (!file) return errorResponse(c, 404, `No rendition at ${c.req.path}: there is no ${staticFolder}/${rendition.source}.`);
    let bytes: Buffer | null;
    try {
      bytes = await bytesOf(rendition, file, clientAddress(c, settings));
    } catch (err) {
      if (err instanceof QueueFullError) {
        c.header('Retry-After', '1');
        return errorResponse(c, 503, 'Too many images are being made right now; try again in a moment.');
      }
      if (err instanceof SourceImageError) return errorResponse(c, 404, `No rendition at ${c.req.path}: ${staticFolder}/${rendition.source}: ${err.message}.`);
      throw err;
    }
    if (!bytes) return errorResponse(c, 404, `No rendition at ${c.req.path}: ${staticFolder}/${rendition.source} has changed since this URL was written; reload the page.`);
    const ok = { ...headers, 'Content-Type': FORMATS[rendition.format].contentType, 'Content-Length': String(bytes.length) };
    return new Response(c.req.method === 'HEAD' ? null : new Uint8Array(bytes), { status: 200, headers: ok });
  }

  const routes = new Hono();
  routes.on(['GET', 'HEAD'], '/*', serve);
  return { routes, image, render };
}
