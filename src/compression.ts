// Content coding, as a good static host does it: brotli first, then gzip,
// chosen by Accept-Encoding.
//
//   - Files that do not change under their ETag (static files, the board's
//     hashed bundle) are compressed once, at the highest quality, and the
//     result kept next to that ETag (`precompressed`); until it is ready,
//     cheaply per request.
//   - Dynamic HTML and JSON over 1 KiB are compressed per response, at a
//     level that costs little CPU (`compression()` middleware).
//   - Images, 304s, HEAD, bodies under 1 KiB and clients sending no
//     Accept-Encoding get the bytes they always got.
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Context, MiddlewareHandler } from 'hono';

export type Encoding = 'br' | 'gzip';

/** Bodies of this size or less gain too little to pay for the coding. */
export const MIN_COMPRESS_BYTES = 1024;

const TEXT_TYPE = /^(text\/|application\/(json|xml|javascript|manifest\+json|[\w.-]+\+(json|xml))|image\/svg\+xml)/i;

/** Text worth compressing: HTML, CSS, JavaScript, JSON, XML, SVG. */
export const isCompressibleType = (contentType: string | null | undefined): boolean => !!contentType && TEXT_TYPE.test(contentType);

/** Per Accept-Encoding value, the coding to answer with: few distinct values come from real clients. */
const chosen = new Map<string, Encoding | null>();

/** Brotli if the client accepts it, else gzip, else null (identity); `q=0` refuses a coding, `*` accepts any. */
export function preferredEncoding(acceptEncoding: string | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const cached = chosen.get(acceptEncoding);
  if (cached !== undefined) return cached;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const value = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    q.set(name, value === undefined ? 1 : Number(value) || 0);
  }
  const accepts = (coding: Encoding) => (q.get(coding) ?? q.get('*') ?? 0) > 0;
  const result = accepts('br') ? 'br' : accepts('gzip') ? 'gzip' : null;
  if (chosen.size > 1000) chosen.clear();
  chosen.set(acceptEncoding, result);
  return result;
}

/** The request's Accept-Encoding, from Node's parsed headers when served by @hono/node-server (no Headers object built). */
export function acceptEncodingOf(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming ? incoming.headers['accept-encoding'] : c.req.header('accept-encoding');
}

/** The representation's ETag for a coding: strong ETags must differ between representations. */
export const encodedEtag = (etag: string, encoding: Encoding | null): string => (encoding ? `${etag.slice(0, -1)}-${encoding}"` : etag);

/** Whether If-None-Match names this ETag (weak comparison, as for GET). */
export const matchesEtag = (ifNoneMatch: string | undefined, etag: string): boolean =>
  !!ifNoneMatch && (ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag));

/** Appends a Vary entry, keeping what is there. */
export function addVary(headers: Headers, name: string): void {
  const vary = headers.get('vary');
  if (!vary) headers.set('Vary', name);
  else if (!vary.toLowerCase().split(',').some((v) => v.trim() === name.toLowerCase() || v.trim() === '*')) headers.set('Vary', `${vary}, ${name}`);
}

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** The slow, small settings: paid once per file version. */
function compressBest(bytes: Uint8Array, encoding: Encoding): Promise<Buffer> {
  return encoding === 'br'
    ? brotli(bytes, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
          [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
        },
      })
    : gzip(bytes, { level: zlib.constants.Z_BEST_COMPRESSION });
}

/**
 * Brotli 5 and gzip 5: about 3 ms for Bootstrap's 230 KB of CSS, where
 * the top qualities take half a second, for most of the saving (28 KB of
 * brotli instead of 23 KB).
 */
function compressCheap(bytes: Uint8Array, encoding: Encoding): Buffer {
  return encoding === 'br'
    ? zlib.brotliCompressSync(bytes, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength },
      })
    : zlib.gzipSync(bytes, { level: 5 });
}

interface Entry {
  etag: string;
  bytes: Promise<Buffer>;
  /** Set once compressed: what requests get from then on. */
  ready?: Buffer;
}

/**
 * Compressed versions of files, keyed by what names the file and valid for
 * one ETag: a changed file (new ETag) is compressed again, an unchanged one
 * never. The top quality takes a while (half a second for Bootstrap's CSS):
 * requests arriving meanwhile get the file compressed cheaply rather than
 * wait for it, so a fresh process answers its first visitor as fast as any
 * other. The least recently used entries go past `maxBytes`.
 */
export class PrecompressedCache {
  /** How many times something was compressed at top quality: the tests' proof that it happens once per version. */
  compressions = 0;
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  readonly maxBytes: number;
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  async get(key: string, etag: string, encoding: Encoding, load: () => Uint8Array | Promise<Uint8Array>): Promise<Buffer> {
    const id = `${encoding} ${key}`;
    const entry = this.#entries.get(id);
    if (entry?.etag === etag) {
      if (entry.ready) {
        this.#entries.delete(id); // re-inserted: most recently used last
        this.#entries.set(id, entry);
        return entry.ready;
      }
      return compressCheap(await load(), encoding);
    }
    if (entry) this.#forget(id, entry);
    this.compressions++;
    const loaded = Promise.resolve().then(load);
    const fresh: Entry = { etag, bytes: loaded.then((bytes) => compressBest(bytes, encoding)) };
    this.#entries.set(id, fresh);
    fresh.bytes.then(
      (compressed) => {
        if (this.#entries.get(id) !== fresh) return;
        fresh.ready = compressed;
        this.#bytes += compressed.byteLength;
        for (const [oldId, old] of this.#entries) {
          if (this.#bytes <= this.maxBytes || old === fresh) break;
          this.#forget(oldId, old);
        }
      },
      () => {
        if (this.#entries.get(id) === fresh) this.#forget(id, fresh); // tried again next time
      },
    );
    return compressCheap(await loaded, encoding);
  }

  /** Resolves once every compression under way has finished. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#entries.values()].map((entry) => entry.bytes));
  }

  #forget(id: string, entry: Entry): void {
    this.#entries.delete(id);
    this.#bytes -= entry.ready?.byteLength ?? 0;
  }
}

/** One per process: static files and the board's bundle, shared by every app a test starts. */
export const precompressed = new PrecompressedCache(64 * 1024 * 1024);

/**
 * A response for bytes that do not change under `etag` (`key` names them):
 * the precompressed version when the client accepts one, else the bytes
 * themselves (`identity`, unchanged from what was always sent). Answers 304
 * before compressing anything. Sets Vary whenever the body depends on
 * Accept-Encoding.
 */
export async function sendPrecompressed(
  c: Context,
  file: { key: string; etag: string; contentType: string; size: number; load: () => Uint8Array | Promise<Uint8Array> },
  identity: () => Response,
): Promise<Response> {
  const compressible = file.size > MIN_COMPRESS_BYTES && isCompressibleType(file.contentType);
  const encoding = compressible && c.req.method !== 'HEAD' ? preferredEncoding(acceptEncodingOf(c)) : null;
  const etag = encodedEtag(file.etag, encoding);
  c.header('ETag', etag);
  if (compressible) c.header('Vary', 'Accept-Encoding');
  if (matchesEtag(c.req.header('if-none-match'), etag)) return c.body(null, 304);
  if (!encoding) return identity();
  const bytes = await precompressed.get(file.key, file.etag, encoding, file.load);
  c.header('Content-Type', file.contentType);
  c.header('Content-Encoding', encoding);
  c.header('Content-Length', String(bytes.byteLength));
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200);
}

const NOT_COMPRESSED_STATUS = new Set([101, 204, 206, 304]);

/**
 * Compresses dynamic HTML and JSON over 1 KiB for clients that accept it,
 * with `Vary: Accept-Encoding`. Responses that already carry a
 * Content-Encoding (precompressed files) or `Cache-Control: no-transform`,
 * streams of events, images and HEAD are left alone (HEAD and clients
 * accepting neither coding get the `Vary`, unless the Content-Length shows the
 * body too small to compress). A client sending no Accept-Encoding at all costs
 * nothing here: its responses are not touched.
 */
export function compression(): MiddlewareHandler {
  return async (c, next) => {
    // Nothing to choose: the response is not even looked at, so it is sent as
    // cheaply as before. (Without Vary, a cache keeps those identity bytes for
    // everyone, which every client can read.)
    const acceptEncoding = acceptEncodingOf(c);
    if (!acceptEncoding) return next();
    await next();
    const res = c.res;
    if (NOT_COMPRESSED_STATUS.has(res.status)) return;
    const headers = res.headers;
    const type = headers.get('content-type');
    if (!isCompressibleType(type) || type!.startsWith('image/') || type!.startsWith('text/event-stream')) return;
    if (headers.has('content-encoding') || /no-transform/i.test(headers.get('cache-control') ?? '')) return;
    const length = headers.get('content-length');
    if (length !== null && Number(length) <= MIN_COMPRESS_BYTES) return; // never compressed, whoever asks
    const encoding = c.req.method === 'HEAD' ? null : preferredEncoding(acceptEncoding);
    if (!encoding) {
      // Sent as it is, without reading it: another client may get it compressed.
      addVary(headers, 'Accept-Encoding');
      return;
    }
    const body = new Uint8Array(await res.arrayBuffer());
    const out = new Headers(headers);
    let sent: Uint8Array = body;
    if (body.byteLength > MIN_COMPRESS_BYTES) {
      sent = compressCheap(body, encoding);
      out.set('Content-Encoding', encoding);
      out.set('Content-Length', String(sent.byteLength));
      addVary(out, 'Accept-Encoding');
    }
    // Cleared first: Hono merges the old response's headers (Content-Length too) into a new one.
    c.res = undefined;
    c.res = new Response(sent as Uint8Array<ArrayBuffer>, { status: res.status, statusText: res.statusText, headers: out });
  };
}
