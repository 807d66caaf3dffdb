// /static/: files from static/, plus front-end packages installed from npm
// (Bootstrap) under /static/vendor/, with ETag/304 and no directory listing.
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { errorResponse } from './http.ts';
import type { PartContext } from './part.ts';
import { resolveInside, safeSegments } from './safe-path.ts';
import { ROOT } from './settings.ts';

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.pdf': 'application/pdf',
  '.webmanifest': 'application/manifest+json',
};

export const contentTypeOf = (file: string): string =>
  CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';

/** Front-end packages from npm, served as if they were in static/vendor/<name>/. */
export const VENDOR_DIRS: Record<string, string> = {
  bootstrap: path.join(ROOT, 'node_modules', 'bootstrap', 'dist'),
};

/** The file a /static/ URL path (after the prefix, still encoded) names, or null. */
export function findStaticFile(staticDir: string, rawPath: string): string | null {
  const segments = safeSegments(rawPath);
  if (!segments || segments.length === 0) return null;
  if (segments[0] === 'vendor' && segments.length > 2 && VENDOR_DIRS[segments[1]!]) {
    return resolveInside(VENDOR_DIRS[segments[1]!]!, segments.slice(2));
  }
  return resolveInside(staticDir, segments);
}

export function staticFiles({ settings }: PartContext): Hono {
  const routes = new Hono();
  routes.on(['GET', 'HEAD'], '/*', (c) => {
    const rawPath = new URL(c.req.url).pathname.replace(/^\/static/, '');
    const file = findStaticFile(settings.staticDir, rawPath);
    if (!file) return errorResponse(c, 404, `No static file at ${c.req.path}.`);
    const stat = statSync(file);
    const etag = `"${stat.size.toString(16)}-${Math.trunc(stat.mtimeMs).toString(16)}"`;
    c.header('ETag', etag);
    c.header('Cache-Control', settings.debug ? 'no-cache' : 'public, max-age=3600');
    c.header('Last-Modified', stat.mtime.toUTCString());
    if (c.req.header('if-none-match')?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
      return c.body(null, 304);
    }
    c.header('Content-Type', contentTypeOf(file));
    c.header('Content-Length', String(stat.size));
    if (c.req.method === 'HEAD') return c.body(null, 200);
    return c.body(Readable.toWeb(createReadStream(file)) as ReadableStream, 200);
  });
  return routes;
}
