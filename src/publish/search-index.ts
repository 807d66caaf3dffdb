// Site search: once every page is written, the build indexes them with
// Pagefind into pagefind/ (its Node API drives the binary that its npm
// package brings for this platform; nothing is downloaded). The search()
// box's script asks that index in the browser, with no server.
//
// Only a site with a search box is indexed, and only its pages (not the 404
// page), as they are written, so the index has their final URLs. Navigation,
// the box itself and anything marked data-search-ignore (or Pagefind's own
// data-pagefind-ignore) are left out.
//
// The index is written like any file of the site: the output compresses
// Pagefind's script and JSON and leaves its chunks, already gzipped, alone.
// Pagefind names its chunks by their content, but its entry files
// (pagefind.js, pagefind-entry.json) keep their names, so pagefind/ is
// revalidated (no-cache with an ETag) rather than cached for a year. Its
// output is the same bytes for the same pages (the pages are given in order
// of their file); with a build cache, an unchanged set of pages is not
// indexed again. Pagefind's own UI bundles are not written: search.js is
// the UI.
import type { BuildCache } from './cache.ts';
import { BuildError } from './errors.ts';
import type { Output } from './output.ts';
import { limit } from './limit.ts';
import { SEARCH_BOX_ATTRIBUTE } from '../search/marker.ts';
import { urlOfFile } from './urls.ts';

export const SEARCH_DIR = 'pagefind';

/** What Pagefind's search needs in the browser: its script and worker, the entry, the WebAssembly, the index chunks. */
const NEEDED = /^(pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|wasm\.[\w-]+\.pagefind|pagefind\.[\w-]+\.pf_meta|(index|fragment|filter)\/[\w-]+\.pf_(index|fragment|filter))$/;

/** Parts of a page that are not its content. */
const NOT_CONTENT = ['nav', `[${SEARCH_BOX_ATTRIBUTE}]`, '[data-search-ignore]'];

/**
 * Pages sent to Pagefind and not answered yet, at most: each waits as its HTML again, base64-encoded, in the pipe's
 * buffer, and a site of tens of thousands of pages would hold it twice.
 */
const PAGES_IN_FLIGHT = 64;

const HAS_SEARCH_BOX = new RegExp(`<[^>]+\\s${SEARCH_BOX_ATTRIBUTE}[\\s=>]`);

/** Whether a page holds a search box: a site is indexed when one of its pages does. */
export const hasSearchBox = (html: string): boolean => HAS_SEARCH_BOX.test(html);

interface IndexFile {
  path: string;
  content: Uint8Array;
}

/** The index's files, from Pagefind; the pages are [file, html] in file order. */
async function indexPages(pages: Array<[string, string]>): Promise<IndexFile[]> {
  let pagefind: typeof import('pagefind');
  try {
    pagefind = await import('pagefind');
  } catch (err) {
    throw new BuildError(`Site search needs the pagefind package (npm ci installs it): ${(err as Error).message}`);
  }
  try {
    const { index, errors } = await pagefind.createIndex({ excludeSelectors: NOT_CONTENT });
    if (!index) throw new BuildError(`Pagefind could not start: ${errors.join('; ')}`);
    // Sent PAGES_IN_FLIGHT at a time, in order, not each after the last one's answer: Pagefind's service takes its
    // messages one at a time, in the order they come, so the index is the same bytes; the round trips cost 0.3 s a
    // thousand pages.
    const inFlight = limit(PAGES_IN_FLIGHT);
    const added = await Promise.all(pages.map(([file, content]) => inFlight(() => index.addHTMLFile({ url: urlOfFile(file), content }))));
    const failed = added.findIndex((result) => result.errors.length > 0);
    if (failed >= 0) throw new BuildError(`Pagefind could not index ${pages[failed]![0]}: ${added[failed]!.errors.join('; ')}`);
    const { files, errors: unwritten } = await index.getFiles();
    if (unwritten.length) throw new BuildError(`Pagefind could not write the index: ${unwritten.join('; ')}`);
    return files.filter((file) => NEEDED.test(file.path)).sort((a, b) => (a.path < b.path ? -1 : 1));
  } catch (err) {
    if (err instanceof BuildError) throw err;
    // Its platform package missing, or its binary failing to start.
    throw new BuildError(`Pagefind failed (its binary comes with the @pagefind/<platform> package that npm ci installs): ${(err as Error).message}`);
  } finally {
    await pagefind.close();
  }
}

/** Files kept in the cache as one payload: a JSON list of [path, length], a newline, the bytes one after another. */
const pack = (files: IndexFile[]) =>
  Buffer.concat([Buffer.from(`${JSON.stringify(files.map((file) => [file.path, file.content.length]))}\n`), ...files.map((file) => file.content)]);

function unpack(payload: Buffer): IndexFile[] {
  const newline = payload.indexOf(10);
  let at = newline + 1;
  return (JSON.parse(payload.subarray(0, newline).toString()) as Array<[string, number]>).map(([path, length]) => {
    const content = payload.subarray(at, at + length);
    at += length;
    return { path, content };
  });
}

/**
 * Index the site's pages into pagefind/ when a page has a search box;
 * returns how many pages were indexed (0 without a box) and whether the
 * index came from the cache. `boxes`: whether a page has one, when the
 * build has seen every page (a full build); else (null) the pages are read
 * to see.
 */
export async function writeSearchIndex(output: Output, cache: BuildCache | null | undefined, notFoundPage: string, boxes: boolean | null): Promise<{ pages: number; cached: boolean }> {
  if (boxes === false) return { pages: 0, cached: false };
  const files = output.files().filter((file) => /\.html$/.test(file) && file !== notFoundPage);
  const pages = files.map((file): [string, string] => [file, output.read(file)]);
  if (!pages.some(([, html]) => hasSearchBox(html))) return { pages: 0, cached: false };
  const key = cache?.key('search', ...pages.flatMap(([file, html]) => [file, html]));
  const kept = key ? cache!.get('search', key) : null;
  const index = kept ? unpack(kept) : await indexPages(pages);
  if (key && !kept) cache!.put('search', key, pack(index));
  await Promise.all(index.map((file) => output.write(`${SEARCH_DIR}/${file.path}`, Buffer.from(file.content))));
  return { pages: pages.length, cached: kept !== null };
}
