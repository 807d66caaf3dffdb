// Pages a rebuild does not render again. The app's answer for a page is
// kept in the build cache with what rendering it read (src/pages/reads.ts):
// its own file and every template it used, each by its bytes; the folder
// defaults (pages/<folder>/_defaults.*) over it, there or not; the data names
// it looked up; the URL of each page it asked url() for; each static file
// image() made renditions of; the collections it listed, by their contents
// (so editing a post renders the blog index and the feed again); the site's
// address, for a page that made absolute URLs. A rebuild reads a page from the cache when all
// of these are as they were, and asks the app otherwise. So editing a page
// renders that page, editing a layout renders the pages using it, editing
// data renders the pages reading that name, editing a folder's defaults
// renders the pages in it, and nothing else is rendered.
// Part of every key as well: the renderer's settings, the builder's version,
// and any other file under pages/ (none is read today; whatever is added
// there is safe before it is tracked).
//
// BASE_PATH and SITE_URL are not among a page's inputs, unless it made
// absolute URLs (absolute_url, in a feed): the app renders the same HTML
// under any of them, and the crawl applies them when it rewrites the page
// (its final text is kept under the rewritten URLs, crawl.ts).
//
// When a page is found, the app is not asked at all (it is not even started
// when every page is found). The crawl goes on as for a rendered page: its
// references are followed and rewritten to this build's names, so an edited
// stylesheet still reaches every page that links it.
//
// now() is an input like the others, by what it gave: a page showing the
// year is reused until the year turns; one showing the time to the second
// is rendered every time.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildCache } from './cache.ts';
import { answerOf, type Answer } from './crawl.ts';
import { DATA_FOLDER } from '../pages/data.ts';
import { DEFAULTS_FILE_NAMES } from '../pages/defaults.ts';
import { TAG_LIST, type Collections, type TagEntry } from '../pages/collections.ts';
import { createPageIndex } from '../pages/files.ts';
import { ALL_DATA, clockNow, emptyReads, parseClockRead, recordReads, type PageReads } from '../pages/reads.ts';
import type { PageAnswer } from '../pages/index.ts';

type Fetch = (request: Request) => Response | Promise<Response>;
/** The pages part's answer for a page's URL path without a Request (app.ts `page`); null where only the app answers. */
export type RenderPage = (urlPath: string) => Promise<PageAnswer | null>;

export interface MemoPage {
  /** Its URL path, e.g. /pricing/. */
  url: string;
  /** As url('page', ...) names it, e.g. pricing. */
  slug: string;
  /** The file it is rendered from. */
  file: string;
}

export interface PageMemoOptions {
  cache: BuildCache;
  pages: MemoPage[];
  /** URL paths answered with a page that is not in `pages` (the 404 page), rendered from templates alone. */
  templatePages: string[];
  pagesDir: string;
  staticDir: string;
  /** The settings that change how a page renders. */
  renderSettings: Record<string, unknown>;
  /** SITE_URL with BASE_PATH, as absolute_url makes URLs (null when unset). */
  siteUrl?: string | null;
  /** Told, per URL path, whether the app rendered it or the cache had it. */
  work?: PageWork;
  /** A page file's text as the renderer reads it (the table of pages has read it already); else read here. */
  pageText?: (file: string) => string;
}

/** URL path to how its page came: rendered by the app, or reused from the cache. */
export type PageWork = Map<string, 'rendered' | 'reused'>;

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

/** What a kept page was rendered from: [kind, name, digest] per read. */
type Read = [kind: keyof PageReads, name: string, digest: string];

interface Kept {
  status: number;
  contentType: string;
  reads: Read[];
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The digest of an input as this build sees it ("missing" for what is not there); for now(), the text it gives. */
function createInputs(options: PageMemoOptions) {
  const memo = new Map<string, string>();
  const cached = (key: string, make: () => string) => {
    let digest = memo.get(key);
    if (digest === undefined) memo.set(key, (digest = make()));
    return digest;
  };
  /** The digest of what `read` gives, or "missing" for a file that is not there. */
  const digestOfRead = (read: () => string | Buffer) => {
    let content: string | Buffer;
    try {
      content = read();
    } catch {
      return 'missing';
    }
    return sha256(content);
  };
  const fileDigest = (file: string) => digestOfRead(() => readFileSync(file));
  const pagesFolder = path.join(options.pagesDir, path.sep);
  /** A page file or a template by its text: what the renderer reads of it, a page's read once a build (options.pageText). */
  const textDigest = (file: string) =>
    digestOfRead(() => (options.pageText && file.startsWith(pagesFolder) ? options.pageText(file) : readFileSync(file, 'utf8')));
  const dataFolder = path.join(options.pagesDir, DATA_FOLDER);
  const dataFiles = filesUnder(dataFolder);
  const dataDigest = (name: string) => {
    const files = name === ALL_DATA ? dataFiles : dataFiles.filter((file) => path.basename(file, path.extname(file)) === name);
    if (files.length === 0) return 'missing';
    return sha256(files.map((file) => `${path.relative(dataFolder, file)}\0${fileDigest(file)}`).join('\0'));
  };
  /** A folder's defaults as they are: which of the names it has, with their bytes. */
  const defaultsDigest = (folder: string) =>
    sha256(DEFAULTS_FILE_NAMES.map((name) => `${name}\0${fileDigest(path.join(options.pagesDir, ...folder.split('/'), name))}`).join('\0'));
  const urlOf = new Map(options.pages.map((page) => [page.slug, page.url]));
  let made: { collections: Collections; tags: TagEntry[] } | undefined;
  /** A collection's contents (every item's URL, title, date, tags, data, excerpt), all of them, or the tag list. */
  const collectionDigest = (tag: string) => {
    made ??= createPageIndex(options.pagesDir, { cached: true }).collections();
    const read = tag === ALL_DATA ? made.collections : tag === TAG_LIST ? made.tags : (made.collections[tag] ?? null);
    return sha256(JSON.stringify(read));
  };
  return {
    dataFiles,
    digest(kind: keyof PageReads, name: string): string {
      return cached(`${kind}\0${name}`, () => {
        if (kind === 'files') return textDigest(name);
        if (kind === 'defaults') return defaultsDigest(name);
        if (kind === 'data') return dataDigest(name);
        if (kind === 'pages') return urlOf.get(name) ?? 'missing';
        if (kind === 'collections') return collectionDigest(name);
        if (kind === 'site') return sha256(String(options.siteUrl ?? null));
        if (kind === 'clock') return clockNow(name);
        return fileDigest(path.join(options.staticDir, name));
      });
    },
  };
}

export interface PageMemo {
  /** The page kept for this URL and Accept, when nothing it was rendered from changed; else null. */
  lookup(url: string, accept: string): Answer | null;
  /** `lookup`, else the page rendered by `render` (and kept, with what it read); null when neither has it (the app is asked). */
  answer(url: string, accept: string): Promise<Answer | null>;
  /** `fetch`, answering from `lookup` where it can and keeping the app's other answers for pages, with what each read. */
  fetch: Fetch;
  /** What each page it answered (by URL path) was rendered from, by kind and name (delta.ts). */
  readsOf: ReadonlyMap<string, Array<[kind: keyof PageReads, name: string]>>;
}

/**
 * The pages in `options.pages` (and `templatePages`) from the build cache
 * when what they were rendered from is unchanged; the app's answers, with
 * what each read, kept for the next build. `render`: pages rendered without
 * a Request (see `answer`).
 */
export function pageMemo(options: PageMemoOptions, fetch: Fetch, render?: RenderPage): PageMemo {
  const { cache, work } = options;
  const inputs = createInputs(options);
  const known = new Map<string, string>(options.pages.map((page) => [page.url, page.file]));
  for (const url of options.templatePages) known.set(url, '');
  // Files under pages/ no page is rendered from and no data name or folder defaults cover.
  const own = new Set([...known.values(), ...inputs.dataFiles]);
  const shared = createHash('sha256').update(JSON.stringify(options.renderSettings));
  for (const file of filesUnder(options.pagesDir)) {
    if (own.has(file) || DEFAULTS_FILE_NAMES.includes(path.basename(file))) continue;
    shared.update(`\0${path.relative(options.pagesDir, file)}\0`).update(readFileSync(file));
  }
  const sharedDigest = shared.digest('hex');

  const unchanged = (kept: Kept) => kept.reads.every(([kind, name, digest]) => inputs.digest(kind, name) === digest);

  /** The page's file ('' for a template page), or undefined for a URL that is not a known page. */
  const fileOf = (url: URL, method = 'GET') => (method === 'GET' && !url.search ? known.get(url.pathname) : undefined);
  const keyOf = (url: string, accept: string) => cache.key('page', sharedDigest, url, accept);

  /** What each page answered read, by URL path (for the last build's record). */
  const readsOf = new Map<string, Array<[keyof PageReads, string]>>();
  /** What a kept page records of a read: the input's digest; for now(), the text the page shows. */
  const recorded = (kind: keyof PageReads, name: string) => (kind === 'clock' ? parseClockRead(name).text : inputs.digest(kind, name));

  const lookup = (href: string, accept: string): Answer | null => {
    const url = new URL(href);
    if (fileOf(url) === undefined) return null;
    const hit = cache.get('page', keyOf(href, accept));
    if (!hit) return null;
    // JSON of what it was rendered from \n body
    const newline = hit.indexOf(10);
    const kept = JSON.parse(hit.subarray(0, newline).toString()) as Kept;
    if (!unchanged(kept)) return null;
    work?.set(url.pathname, 'reused');
    readsOf.set(url.pathname, kept.reads.map(([kind, name]) => [kind, name]));
    return answerOf(kept.status, kept.contentType, hit.subarray(newline + 1));
  };

  /** What rendering a page reads, starting with its own file ('' for a template page). */
  const startReads = (file: string) => {
    const reads = emptyReads();
    if (file) reads.files.add(file);
    return reads;
  };

  /** Keep a page rendered for this URL and Accept, with what it read. */
  const keep = (href: string, accept: string, status: number, contentType: string, body: Buffer, reads: PageReads) => {
    const list: Read[] = (Object.keys(reads) as Array<keyof PageReads>).flatMap((kind) => [...reads[kind]].sort().map((name): Read => [kind, name, recorded(kind, name)]));
    readsOf.set(new URL(href).pathname, list.map(([kind, name]) => [kind, name]));
    const kept: Kept = { status, contentType, reads: list };
    cache.put('page', keyOf(href, accept), Buffer.concat([Buffer.from(`${JSON.stringify(kept)}\n`), body]));
  };

  return {
    lookup,
    async answer(href, accept) {
      const kept = lookup(href, accept);
      if (kept || !render) return kept;
      const url = new URL(href);
      const file = fileOf(url);
      if (file === undefined) return null;
      const reads = startReads(file);
      const page = await recordReads(reads, () => render(url.pathname));
      if (!page) return null;
      work?.set(url.pathname, 'rendered');
      const status = page.status ?? 200;
      keep(href, accept, status, page.contentType, Buffer.from(page.body), reads);
      return answerOf(status, page.contentType, page.body);
    },
    readsOf,
    async fetch(request) {
      const url = new URL(request.url);
      const file = fileOf(url, request.method);
      if (file === undefined) return fetch(request);
      const accept = request.headers.get('accept') ?? '';
      const kept = lookup(request.url, accept);
      if (kept) return new Response(new Uint8Array(await kept.bytes()), { status: kept.status, headers: { 'content-type': kept.contentType! } });
      const reads = startReads(file);
      const response = await recordReads(reads, () => fetch(request));
      work?.set(url.pathname, 'rendered');
      const contentType = response.headers.get('content-type');
      if ((response.status !== 200 && response.status !== 404) || response.headers.has('location') || !contentType) return response;
      const body = Buffer.from(await response.arrayBuffer());
      keep(request.url, accept, response.status, contentType, body, reads);
      return new Response(new Uint8Array(body), { status: response.status, headers: { 'content-type': contentType } });
    },
  };
}
