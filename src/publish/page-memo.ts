// Pages a rebuild does not render again. The app's answer for a page is
// kept in the build cache under a key made of everything it is rendered
// from:
//   the page's own file (for a page made from data, its [name] file),
//   every template (layouts, includes, macros: templates/),
//   every other file under pages/ (shared data in _data/, and the list of
//   pages, which url('page', ...) and pages made from data depend on),
//   every static file (image() renditions are named by their source's bytes),
//   the renderer's settings, and the builder's version (part of every key).
// When none of these changed, the page's answer is read from the cache and
// the app is not asked at all (it is not even started when every page is
// found). The crawl goes on as for a rendered page: its references are
// followed and rewritten to this build's names, so an edited stylesheet or
// image still reaches every page that links it.
//
// now() is the one input allowed to change the output: a page that calls it,
// or whose templates do, is rendered every time.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildCache } from './cache.ts';

type Fetch = (request: Request) => Response | Promise<Response>;

export interface MemoPage {
  /** Its URL path, e.g. /pricing/. */
  url: string;
  /** The file it is rendered from. */
  file: string;
}

export interface PageMemoOptions {
  cache: BuildCache;
  pages: MemoPage[];
  /** URL paths answered with a page that is not in `pages` (the 404 page), rendered from templates alone. */
  templatePages: string[];
  pagesDir: string;
  templatesDir: string;
  staticDir: string;
  /** The settings that change how a page renders. */
  renderSettings: Record<string, unknown>;
}

/** Every file under `dir`, sorted, as absolute paths. */
function filesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : entry.isFile() ? [path.join(dir, entry.name)] : []));
}

/** A template tag's or output's contents naming now (a call, or the function handed on). */
const USES_NOW = /\{[{%]-?(?:(?![%}]\}).)*?\bnow\b/s;

export const usesNow = (source: string): boolean => USES_NOW.test(source);

/**
 * `fetch` answering the pages in `options.pages` (and `templatePages`) from
 * the build cache when their inputs are unchanged, and keeping the app's
 * answers for the next build.
 */
export function pageMemo(options: PageMemoOptions, fetch: Fetch): Fetch {
  const { cache } = options;
  const own = new Set(options.pages.map((page) => page.file));
  const shared = createHash('sha256');
  shared.update(JSON.stringify(options.renderSettings));
  shared.update(JSON.stringify(options.pages.map((page) => [page.url, page.file])));
  let volatile = false;
  const add = (root: string, file: string) => {
    const bytes = readFileSync(file);
    shared.update(`\0${root}\0${path.relative(root, file)}\0${bytes.length}\0`).update(bytes);
    return bytes;
  };
  for (const file of filesUnder(options.templatesDir)) {
    if (usesNow(add(options.templatesDir, file).toString('utf8'))) volatile = true;
  }
  for (const file of filesUnder(options.pagesDir)) if (!own.has(file)) add(options.pagesDir, file);
  for (const file of filesUnder(options.staticDir)) add(options.staticDir, file);
  const sharedDigest = shared.digest('hex');

  /** Per page URL: the digest of its own file, or null when it must be rendered every time. */
  const ownDigests = new Map<string, string | null>();
  for (const url of options.templatePages) ownDigests.set(url, volatile ? null : '');
  const fileDigests = new Map<string, string | null>();
  for (const page of options.pages) {
    let digest = fileDigests.get(page.file);
    if (digest === undefined) {
      const bytes = readFileSync(page.file);
      digest = volatile || usesNow(bytes.toString('utf8')) ? null : createHash('sha256').update(bytes).digest('hex');
      fileDigests.set(page.file, digest);
    }
    ownDigests.set(page.url, digest);
  }

  return async (request) => {
    const url = new URL(request.url);
    const digest = request.method === 'GET' && !url.search ? ownDigests.get(url.pathname) : undefined;
    if (digest === undefined || digest === null) return fetch(request);
    const key = cache.key('page', sharedDigest, digest, request.url, request.headers.get('accept') ?? '');
    const hit = cache.get('page', key);
    if (hit) {
      // status \n content type \n body
      const first = hit.indexOf(10);
      const second = hit.indexOf(10, first + 1);
      const status = Number(hit.subarray(0, first).toString());
      const contentType = hit.subarray(first + 1, second).toString();
      return new Response(new Uint8Array(hit.subarray(second + 1)), { status, headers: { 'content-type': contentType } });
    }
    const response = await fetch(request);
    const contentType = response.headers.get('content-type');
    if ((response.status !== 200 && response.status !== 404) || response.headers.has('location') || !contentType || contentType.includes('\n')) return response;
    const body = Buffer.from(await response.arrayBuffer());
    cache.put('page', key, Buffer.concat([Buffer.from(`${response.status}\n${contentType}\n`), body]));
    return new Response(new Uint8Array(body), { status: response.status, headers: { 'content-type': contentType } });
  };
}
