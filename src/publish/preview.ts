// `npm run preview`: serve the built site the way a good static host does,
// to see it before deploying: under BASE_PATH, precompressed .br/.gz chosen by
// Accept-Encoding, hashed files cached forever, HTML revalidated on every
// visit (the Cache-Control of _headers), 404.html for anything missing. Only
// the built files, nothing else.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { loadSettings, SettingsError } from '../settings.ts';
import { contentTypeOf } from '../static.ts';
import { basePathFrom, ROOT_PATH, withinBasePath } from './base-path.ts';
import { buildDirFrom } from './config.ts';
import { BuildError } from './errors.ts';
import { cacheControlOf, REVALIDATE } from './headers.ts';
import { MANIFEST } from './output.ts';
import { fileOfUrl } from './urls.ts';

/** Content codings the client accepts (q > 0), from Accept-Encoding. */
export function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name && (q === undefined || Number(q) > 0)) accepted.add(name);
  }
  return accepted;
}

const ENCODINGS = [
  { name: 'br', ext: '.br' },
  { name: 'gzip', ext: '.gz' },
] as const;

async function sendFile(c: Context, dir: string, file: string, status: 200 | 404): Promise<Response> {
  const full = path.join(dir, file);
  const accepted = acceptedEncodings(c.req.header('accept-encoding'));
  let chosen = { path: full, encoding: '' };
  let varies = false;
  for (const { name, ext } of ENCODINGS) {
    if (!(await stat(full + ext).catch(() => null))?.isFile()) continue;
    varies = true;
    if (!chosen.encoding && (accepted.has(name) || accepted.has('*'))) chosen = { path: full + ext, encoding: name };
  }
  const info = await stat(chosen.path).catch(() => null);
  if (!info) return c.text('The site changed while this was being sent; try again.', 503, { 'Retry-After': '1' }); // rebuilt meanwhile
  const etag = `"${info.size.toString(16)}-${Math.trunc(info.mtimeMs).toString(16)}${chosen.encoding ? `-${chosen.encoding}` : ''}"`;
  const headers: Record<string, string> = {
    'Content-Type': contentTypeOf(file),
    'Cache-Control': status === 200 ? cacheControlOf(file) : REVALIDATE,
    ETag: etag,
    'Last-Modified': info.mtime.toUTCString(),
    'X-Content-Type-Options': 'nosniff',
  };
  if (varies) headers.Vary = 'Accept-Encoding';
  if (chosen.encoding) headers['Content-Encoding'] = chosen.encoding;
  if (status === 200 && c.req.header('if-none-match')?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
    return c.body(null, 304, headers);
  }
  headers['Content-Length'] = String(info.size);
  if (c.req.method === 'HEAD') return c.body(null, status, headers);
  return c.body(Readable.toWeb(createReadStream(chosen.path)) as ReadableStream, status, headers);
}

/** The site in `dir`, served under `basePath` ("/project/"; "/" at the root). */
export function previewRoutes(dir: string, basePath = ROOT_PATH): Hono {
  const routes = new Hono();
  routes.on(['GET', 'HEAD'], '*', async (c) => {
    const { pathname, search } = new URL(c.req.url);
    const sitePath = withinBasePath(basePath, pathname);
    if (sitePath === null) return c.text(`Nothing is served at ${pathname}: the site is under BASE_PATH, at ${basePath}`, 404);
    if (sitePath === '/' && !pathname.endsWith('/')) return c.redirect(`${basePath}${search}`, 301);
    const file = await fileOfUrl(dir, sitePath);
    // A folder's page lives at its URL with a slash, where its relative links resolve.
    if (file?.endsWith('index.html') && !pathname.endsWith('/') && !pathname.endsWith('/index.html')) {
      return c.redirect(`${pathname}/${search}`, 301);
    }
    if (file) return sendFile(c, dir, file, 200);
    if (await fileOfUrl(dir, '/404.html')) return sendFile(c, dir, '404.html', 404);
    return c.text(`Nothing is built at ${pathname}.`, 404);
  });
  routes.all('*', (c) => c.text('A static site only answers GET and HEAD.', 405, { Allow: 'GET, HEAD' }));
  return routes;
}

async function main(): Promise<void> {
  let settings, basePath;
  try {
    settings = loadSettings(process.env);
    basePath = basePathFrom(process.env);
  } catch (err) {
    if (!(err instanceof SettingsError || err instanceof BuildError)) throw err;
    console.error(`Configuration error: ${err.message}`);
    process.exit(2);
  }
  const dir = buildDirFrom(process.env);
  if (!(await fileOfUrl(dir, `/${MANIFEST}`))) {
    console.error(`No built site in ${dir}. Build it first: npm run build`);
    process.exit(1);
  }
  const server = serve({ fetch: previewRoutes(dir, basePath).fetch, port: settings.port, hostname: settings.host }) as Server;
  server.on('error', (err: NodeJS.ErrnoException) => {
    console.error(err.code === 'EADDRINUSE' ? `Port ${settings.port} is already in use. Set PORT to a free port.` : `Server error: ${err.message}`);
    process.exit(1);
  });
  server.on('listening', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : settings.port;
    console.log(`Previewing ${dir} at http://localhost:${port}${basePath} (Ctrl-C to stop)`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
