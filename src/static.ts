// /static/: files from static/, plus front-end packages installed from npm
// (Bootstrap) under /static/vendor/, with ETag/304 and no directory listing.
//
// A package is served under its version too, /static/vendor/bootstrap/5.3.8/,
// and cached there for a year: a new version is a new URL. static() in
// templates hands out that form. Files of static/, edited while designing,
// are revalidated instead. Text files are sent compressed, each version
// compressed once (compression.ts).
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { sendPrecompressed } from './compression.ts';
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

interface Vendor {
  dir: string;
  version: string;
}

/** An npm package's folder of browser files, and its version from its package.json. */
function vendorPackage(name: string, subdir: string): Vendor {
  const root = path.join(ROOT, 'node_modules', name);
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return { dir: path.join(root, subdir), version };
}

/** Browser files of the app's own, versioned by their bytes. */
function ownBrowserFiles(subdir: string): Vendor {
  const dir = path.join(ROOT, 'src', subdir);
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(path.join(dir, name)));
  return { dir, version: hash.digest('hex').slice(0, 8) };
}

/** Front-end packages from npm, served as if they were in static/vendor/<name>/ (and static/vendor/<name>/<version>/). */
export const VENDORS: Record<string, Vendor> = {
  bootstrap: vendorPackage('bootstrap', 'dist'),
  // The script of the search() box.
  search: ownBrowserFiles('search/browser'),
};

export const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The URL path under /static/ to hand out for a file: a vendor file under its
 * package's version, so it can be cached for good; any other file as it is.
 */
export function versionedStaticPath(file: string): string {
  const [top, name, ...rest] = file.replace(/^\/+/, '').split('/');
  const vendor = top === 'vendor' && name ? VENDORS[name] : undefined;
  return vendor && rest.length > 0 ? `vendor/${name}/${vendor.version}/${rest.join('/')}` : file.replace(/^\/+/, '');
}

/** The file a /static/ URL path (after the prefix, still encoded) names, and whether its URL carries a version; or null. */
export function locateStaticFile(staticDir: string, rawPath: string): { file: string; versioned: boolean } | null {
  const segments = safeSegments(rawPath);
  if (!segments || segments.length === 0) return null;
  const vendor = segments[0] === 'vendor' && segments.length > 2 ? VENDORS[segments[1]!] : undefined;
  if (vendor) {
    const versioned = segments[2] === vendor.version;
    if (!versioned && /^\d+\.\d+\.\d+/.test(segments[2]!)) return null; // a version other than the one installed
    const file = resolveInside(vendor.dir, segments.slice(versioned ? 3 : 2));
    return file ? { file, versioned } : null;
  }
  const file = resolveInside(staticDir, segments);
  return file ? { file, versioned: false } : null;
}

/** The file a /static/ URL path (after the prefix, still encoded) names, or null. */
export const findStaticFile = (staticDir: string, rawPath: string): string | null => locateStaticFile(staticDir, rawPath)?.file ?? null;

interface StaticFile {
  file: string;
  versioned: boolean;
  contentType: string;
  size: number;
  etag: string;
  lastModified: string;
}

/** A file's path and what its headers say about it, from one stat. */
function describe(file: string, versioned: boolean): StaticFile {
  const stat = statSync(file);
  return {
    file,
    versioned,
    contentType: contentTypeOf(file),
    size: stat.size,
    etag: `"${stat.size.toString(16)}-${Math.trunc(stat.mtimeMs).toString(16)}"`,
    lastModified: stat.mtime.toUTCString(),
  };
}

/**
 * Versioned vendor files, by URL path: what a versioned URL names cannot
 * change (another version is another URL), so it is looked up on disk once,
 * not on every request.
 */
const versionedFiles = new Map<string, StaticFile>();

function findFile(staticDir: string, rawPath: string): StaticFile | null {
  const known = versionedFiles.get(rawPath);
  if (known) return known;
  const found = locateStaticFile(staticDir, rawPath);
  if (!found) return null;
  const described = describe(found.file, found.versioned);
  if (found.versioned && versionedFiles.size < 10_000) versionedFiles.set(rawPath, described);
  return described;
}

export function staticFiles({ settings }: PartContext): Hono {
  const routes = new Hono();
  routes.on(['GET', 'HEAD'], '/*', (c) => {
    const rawPath = new URL(c.req.url).pathname.replace(/^\/static/, '');
    const found = findFile(settings.staticDir, rawPath);
    if (!found) return errorResponse(c, 404, `No static file at ${c.req.path}.`);
    const { file, contentType, size } = found;
    c.header('Cache-Control', found.versioned ? IMMUTABLE : settings.debug ? 'no-cache' : 'public, max-age=3600');
    c.header('Last-Modified', found.lastModified);
    return sendPrecompressed(c, { key: file, etag: found.etag, contentType, size, load: () => readFile(file) }, () => {
      c.header('Content-Type', contentType);
      c.header('Content-Length', String(size));
      if (c.req.method === 'HEAD') return c.body(null, 200);
      return c.body(Readable.toWeb(createReadStream(file)) as ReadableStream, 200);
    });
  });
  return routes;
}
