// Chapter 2's placeholder-image service, mounted at /image by app.ts:
// GET /image/300x200/ is a PNG with "300 × 200" on it, GET /image/ is the
// home page explaining the rest of the grammar (see grammar.ts).
//
// A request is answered, cheapest first: its URL seen before gives the
// canonical image and ETag from a map; a matching If-None-Match is a 304
// with no image work; bytes rendered before come from the LRU; otherwise
// one render (shared by identical concurrent requests) waits for a slot.
// The first three need no Hono at all: `held` answers them straight off
// node:http (see serverWithHeldRoutes), with the very bytes Hono would send.
// A photo placeholder (?photo=, see photo.ts) depends on a file as well as
// its URL: each request checks the file, and its ETag follows its bytes.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Hono, type Context } from 'hono';
import { clientAddress, HttpError, requestOrigin, type HeldResponse, type HeldRoute } from '../http.ts';
import type { PartContext } from '../part.ts';
import { createTemplateEnvironment } from '../templates/environment.ts';
import { createSourceReader, SourceImageError, type SourceImage } from '../images/source.ts';
import { resolveInside } from '../safe-path.ts';
import { createRenderQueue, QueueFullError, type RenderQueue } from '../render-queue.ts';
import { Lru } from './cache.ts';
import { IMAGE_PREFIX, parseImagePath, PlaceholderInputError, type PlaceholderImage } from './grammar.ts';
import { homeContext } from './home.ts';
import { renderImage, RENDERER_VERSION } from './render.ts';
import { PHOTO_RENDERER, renderPhoto } from './photo.ts';

// Settings.

/** A URL names one image forever: browsers and CDNs may keep it a year without asking. */
const IMAGE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** A photo placeholder's URL stays when the photo changes: kept, but asked about again every time (a 304 while it is the same). */
const PHOTO_CACHE_CONTROL = 'no-cache';
/** Errors may be fixed by a deploy; keep them briefly. */
const ERROR_HEADERS = { 'Cache-Control': 'public, max-age=60', 'Access-Control-Allow-Origin': '*', Vary: 'Accept' };
/** A missing or broken photo is fixed by saving a file: not kept at all. */
const PHOTO_ERROR_HEADERS = { ...ERROR_HEADERS, 'Cache-Control': 'no-store' };
/** Memory for the URL → canonical image map (about 1 KB an entry), apart from the image bytes. */
const URL_MAP_BYTES = 8 * 1024 * 1024;
const MB = 1024 * 1024;

type Bytes = Uint8Array<ArrayBuffer>;

/**
 * An image URL as seen once: its canonical form and the headers it is
 * served with. Every header costs time on each response, so there are few:
 * the server adds Content-Length for bodies itself.
 */
interface Resolved {
  image: PlaceholderImage;
  /** Names its bytes in the image LRU and among renders in flight. */
  key: string;
  etag: string;
  notModified: Record<string, string>;
  ok: Record<string, string>;
}

export interface PlaceholderStats {
  cachedImages: number;
  cachedBytes: number;
  /** Renders started since creation. */
  renders: number;
  rendering: number;
  waiting: number;
  /** Requests turned away with 503 because the queue was full. */
  refused: number;
}

export interface Placeholder {
  routes: Hono;
  /** GET of an image URL seen before whose answer is known without drawing: a 304, or bytes from the LRU. */
  held: HeldRoute;
  stats(): PlaceholderStats;
}

/** Strong, and derived from the canonical parameters (and a photo's bytes) only: computed before any image work. */
function etagOf(image: PlaceholderImage, photoHash = ''): string {
  const hash = createHash('sha256').update(RENDERER_VERSION).update('\0').update(image.fileName);
  if (photoHash) hash.update(`\0${PHOTO_RENDERER}\0${photoHash}`);
  return `"${hash.digest('base64url').slice(0, 32)}"`;
}

/** How a response for `image` is named and cached; `photo` is the source of a photo placeholder, as it is now. */
function resolvedOf(image: PlaceholderImage, photo?: SourceImage): Resolved {
  const etag = etagOf(image, photo?.hash);
  const notModified = { ETag: etag, 'Cache-Control': photo ? PHOTO_CACHE_CONTROL : IMAGE_CACHE_CONTROL, 'Access-Control-Allow-Origin': '*' };
  return {
    image,
    key: photo ? `${image.fileName}\0${photo.hash}` : image.fileName,
    etag,
    notModified,
    ok: {
      ...notModified,
      'Content-Type': image.contentType,
      ...(image.format === 'svg' ? { 'Content-Security-Policy': "default-src 'none'" } : {}),
    },
  };
}

function matches(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch === etag || ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

/** `queue` bounds the drawing, shared with responsive images (app.ts makes one per process). */
export function createPlaceholder({ settings }: PartContext, queue: RenderQueue = createRenderQueue(settings.placeholderConcurrency, settings.imageMemoryMb)): Placeholder {
  const images = new Lru<string, Bytes>(settings.placeholderCacheMb * MB, (_name, bytes) => bytes.byteLength);
  const urls = new Lru<string, Resolved>(URL_MAP_BYTES, (url) => 1024 + 2 * url.length);
  const inFlight = new Map<string, Promise<Bytes>>();
  const templates = createTemplateEnvironment(settings);
  const photos = createSourceReader();
  const staticFolder = path.basename(settings.staticDir);
  let renders = 0;
  let refused = 0;

  /** `rest` is the URL after `/image/`, query included. */
  function resolve(rest: string): Resolved {
    const question = rest.indexOf('?');
    let image: PlaceholderImage;
    try {
      image = question === -1 ? parseImagePath(rest, '') : parseImagePath(rest.slice(0, question), rest.slice(question + 1));
    } catch (err) {
      if (err instanceof PlaceholderInputError) throw new HttpError(400, err.message, ERROR_HEADERS);
      throw err;
    }
    const resolved = resolvedOf(image);
    urls.set(rest, resolved);
    return resolved;
  }

  /** A photo placeholder as its photo is now: the file read (once per version), or a 404 or 422 that says why not. */
  async function withPhoto(resolved: Resolved): Promise<{ resolved: Resolved; source: SourceImage }> {
    const { path: photoPath } = resolved.image.photo!;
    const file = resolveInside(settings.staticDir, photoPath.split('/'));
    if (!file) {
      throw new HttpError(404, `There is no file ${staticFolder}/${photoPath}: photo= names an image under ${staticFolder}/, like img/hero.jpg.`, PHOTO_ERROR_HEADERS);
    }
    try {
      const source = await photos.read(file);
      return { resolved: resolvedOf(resolved.image, source), source };
    } catch (err) {
      throw notAnImage(resolved.image, err);
    }
  }

  /** A photo sharp cannot read: 422, naming the file. */
  function notAnImage(image: PlaceholderImage, err: unknown): unknown {
    if (!(err instanceof SourceImageError)) return err;
    const photoPath = image.photo!.path;
    return new HttpError(422, `photo=${photoPath}: ${staticFolder}/${photoPath} is not an image: ${err.message}.`, PHOTO_ERROR_HEADERS);
  }

  /**
   * The image drawn once however many ask at once; `client` (the first to ask) waits its turn for a large one.
   * A photo is costed as its source's pixels when it has more: it is decoded whole before it is scaled.
   */
  function render({ image, key }: Resolved, client: string, photo?: SourceImage): Promise<Bytes> {
    let pending = inFlight.get(key);
    if (!pending) {
      const pixels = Math.max(image.width * image.height * image.scale * image.scale, photo ? photo.width * photo.height : 0);
      pending = queue
        .run({ pixels, client }, () => {
          renders++;
          return photo ? renderPhoto(image, photo.file) : renderImage(image);
        })
        .then((encoded) => {
          // A copy of exactly its size: encoders may hand out slices of a shared pool, which the LRU would not count.
          const bytes = new Uint8Array(encoded);
          images.set(key, bytes);
          return bytes;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }

  // Views.

  const home = (c: Context) => c.html(templates.render('placeholder/home.html', homeContext(requestOrigin(c, settings))));

  /** What Hono's route below would answer to a GET, when that needs no parsing and no drawing; null otherwise. */
  function ready(rest: string, ifNoneMatch: string | undefined): HeldResponse | null {
    const resolved = urls.get(rest);
    // A photo's file is checked by the route: it may have changed.
    if (!resolved || resolved.image.photo) return null;
    if (ifNoneMatch && matches(ifNoneMatch, resolved.etag)) return { status: 304, headers: resolved.notModified };
    const bytes = images.get(resolved.key);
    return bytes ? { status: 200, headers: resolved.ok, body: bytes } : null;
  }

  async function image(c: Context, rest: string): Promise<Response> {
    let resolved = urls.get(rest) ?? resolve(rest);
    let photo: SourceImage | undefined;
    if (resolved.image.photo) ({ resolved, source: photo } = await withPhoto(resolved));
    const ifNoneMatch = c.req.header('if-none-match');
    if (ifNoneMatch && matches(ifNoneMatch, resolved.etag)) return new Response(null, { status: 304, headers: resolved.notModified });

    let bytes = images.get(resolved.key);
    if (!bytes) {
      try {
        bytes = await render(resolved, clientAddress(c, settings), photo);
      } catch (err) {
        if (!(err instanceof QueueFullError)) throw notAnImage(resolved.image, err);
        refused++;
        throw new HttpError(503, 'Too many images are being drawn right now; try again in a moment.', {
          'Retry-After': '1',
          'Cache-Control': 'no-store',
          'Access-Control-Allow-Origin': '*',
        });
      }
    }
    if (c.req.method === 'HEAD') return new Response(null, { status: 200, headers: { ...resolved.ok, 'Content-Length': String(bytes.byteLength) } });
    return new Response(bytes, { status: 200, headers: resolved.ok });
  }

  // URL table.

  const routes = new Hono();
  routes.get('/', (c) => c.redirect(`${IMAGE_PREFIX}/`, 301));
  routes.get('/*', (c) => {
    const url = c.req.url;
    // Everything after "/image/", percent-encoding and query kept: the key of the URL map.
    const rest = url.slice(url.indexOf('/', url.indexOf('//') + 2) + IMAGE_PREFIX.length + 1);
    return rest === '' || rest.startsWith('?') ? home(c) : image(c, rest);
  });

  return {
    routes,
    held: {
      prefix: `${IMAGE_PREFIX}/`,
      answer: (rest, incoming) => (rest === '' || rest.startsWith('?') ? null : ready(rest, incoming.headers['if-none-match'])),
    },
    stats: () => ({
      cachedImages: images.size,
      cachedBytes: images.cost,
      renders,
      rendering: queue.running,
      waiting: queue.queued,
      refused,
    }),
  };
}
