// Which page a URL names and which URL each page has:
//   pages/<slug>.html or pages/<slug>.md   at /<slug>/ (pages/index.* at /)
//   pages/<name>.xml, .json or .txt        at /<name>.xml (and so on): a text page
//   pages/<folder>/[<name>].html or .md    once per entry of the list its
//                                          `each` names, at /<folder>/<entry slug>/
//   `permalink: /blog/2026/hello/`         at that URL instead
//   `paginate: collections.post`           once per slice: /blog/, /blog/page/2/, ...
//   `draft: true`                          nowhere, unless drafts are shown (npm run dev)
// Files and folders whose name starts with "_" (pages/_data/) or "." are never pages.
//
// The whole table of pages is made at once (URLs may be claimed by any page,
// and collections need every page's metadata): once in production, and in
// dev again whenever a file under pages/ changed.
import { readdirSync, readFileSync, realpathSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { resolveInside, safeSegments } from '../safe-path.ts';
import { parseDate } from '../templates/date-format.ts';
import { slugify } from '../templates/helpers.ts';
import { MetadataError } from '../templates/metadata-error.ts';
import { splitPageSource } from '../templates/page-source.ts';
import { collect, COLLECTIONS, excerptOf, tagsOf, type CollectionItem, type Collections, type TagEntry } from './collections.ts';
import { dataAt, DATA_FOLDER, entryLines, loadData, type SiteData } from './data.ts';
import { createFolderDefaults, DEFAULTS_FILE_NAMES, keyLine } from './defaults.ts';
import { locatedMetadataError, pathNamer, RenderError } from './page-error.ts';
import { unrecorded } from './reads.ts';

export const PAGE_EXTENSIONS = ['.html', '.md'] as const;
/** Text pages: rendered without a layout, served with their own type at their own name. */
export const TEXT_EXTENSIONS = ['.xml', '.json', '.txt'] as const;
/** Items per slice of a paginated page unless `size:` says otherwise. */
export const DEFAULT_PAGE_SIZE = 10;
/** /blog/page/2/: the segment before a slice's number. */
const SLICE_SEGMENT = 'page';
export const INDEX_SLUG = 'index';
/** The page a static host serves for every URL it has no file for (the build asks the app for /404.html). */
export const NOT_FOUND_PAGE = '404.html';
/** `[member].html`: a page made once per entry, the entry named `member`. */
const GENERATOR_NAME = /^\[([A-Za-z_$][\w$]*)\]\.(?:html|md)$/;
/** The fields an entry's slug comes from, first found wins. */
export const SLUG_FIELDS = ['slug', 'name', 'title'] as const;

export interface GeneratedEntry {
  /** The name the entry has in the template ("member"). */
  name: string;
  value: unknown;
  /** Its place in the list, from 0. */
  index: number;
}

export interface PageInfo {
  /** e.g. "pricing", "docs/intro", "index", "team/ada" */
  slug: string;
  /** e.g. "/pricing/", "/docs/intro/", "/" */
  url: string;
  /** Real path of the template file. */
  file: string;
  /** The file as people see it: "pages/pricing.html", "pages/team/[member].html". */
  source: string;
  /** For a page made from data: its entry. */
  entry?: GeneratedEntry;
  /** `draft: true`: only there when drafts are shown (npm run dev). */
  draft?: boolean;
  /** For a slice of a paginated page: its items and links. */
  pagination?: Pagination;
}

/** `pagination` in a paginated page. */
export interface Pagination {
  /** This slice's items. */
  items: unknown[];
  /** This slice's number, from 1, and how many there are. */
  page: number;
  pages: number;
  size: number;
  /** URL of every slice, in order. */
  urls: string[];
  next: string | null;
  previous: string | null;
  /** What `paginate:` named ("collections.post"). */
  of: string;
}

const isTextPage = (name: string): boolean => TEXT_EXTENSIONS.some((ext) => name.endsWith(ext) && name !== ext);

/** The URL a page is served at: "/" for the index page, else /<slug>/ with each segment encoded. */
export function pageUrl(slug: string): string {
  if (slug === INDEX_SLUG) return '/';
  const url = `/${slug.split('/').map(encodeURIComponent).join('/')}`;
  return isTextPage(slug) ? url : `${url}/`;
}

/** True when `urlPath` is `prefix` itself or below it (case-insensitively, for case-insensitive disks). */
export function isReserved(urlPath: string, reservedPrefixes: readonly string[]): boolean {
  const p = urlPath.toLowerCase();
  return reservedPrefixes.some((prefix) => p === prefix || p.startsWith(`${prefix}/`));
}

/** A slug's segments when its URL passes the checks every request goes through, else null. */
export function slugSegments(slug: string): string[] | null {
  if (slug === INDEX_SLUG) return [INDEX_SLUG];
  const segments = safeSegments(pageUrl(slug));
  return segments && segments.length ? segments : null;
}

const isHidden = (name: string) => name.startsWith('_') || name.startsWith('.');

/**
 * The slug of the page a file under pages/ is on its own ("team/index.md" is
 * "team/index"), or null for data, hidden files and templates of pages made
 * from data (whose edit changes many pages). `file` uses "/" or the OS separator.
 */
export function ownPageSlug(file: string): string | null {
  const segments = file.split(/[\\/]/);
  const name = segments.at(-1)!;
  if (segments.some(isHidden) || GENERATOR_NAME.test(name)) return null;
  if (isTextPage(name)) return segments.join('/');
  const ext = PAGE_EXTENSIONS.find((e) => name.endsWith(e));
  if (!ext || name === ext) return null;
  return [...segments.slice(0, -1), name.slice(0, -ext.length)].join('/');
}

export interface PageIndex {
  /** The page at these decoded URL segments, or null. Throws a RenderError for a page that cannot be told apart or made. */
  find(segments: readonly string[]): PageInfo | null;
  /** Every page that can be served, sorted by URL, without those shadowed by a reserved prefix. */
  list(reservedPrefixes?: readonly string[]): PageInfo[];
  /** `url('page', slug)`: the page's URL, or an error naming what is missing. */
  urlOf(slug: string): string;
  /**
   * A build of the pages some edits affect: take `pages` (the last build's, none made from data) as the table for
   * `find` and `urlOf`, without reading every page, when the `changed` files cannot have moved a page (see the
   * function). True when taken; the whole table is still made for the collections, a list, or a URL not among them.
   */
  assume(pages: readonly PageInfo[], changed: readonly string[]): boolean;
  /**
   * The text of a page file. Production (`cached`) reads each file once: the text the table was made from is the text
   * the page renders from, and the build digests.
   */
  text(file: string): string;
  /** The shared data (pages/_data/). */
  data(): SiteData;
  /** Every tag's pages and `all`, and the tags as a list. */
  collections(): { collections: Collections; tags: TagEntry[] };
}

/** A page's metadata as collections and the table see it: its folders' defaults under its own. */
interface PageMeta {
  values: Record<string, unknown>;
  /** The template without its metadata, for the excerpt. */
  template: string;
  /** The text `permalink:`, `tags:`... are written in, for their line. */
  text: string;
}

interface SiteTable {
  byUrl: Map<string, PageInfo>;
  bySlug: Map<string, PageInfo>;
  /** Slugs of drafts left out (drafts not shown). */
  drafts: Set<string>;
  /** Pages that cannot be made, by the URL they would have; folders whose pages made from data cannot be made. */
  brokenUrls: Map<string, RenderError>;
  brokenFolders: Map<string, RenderError>;
  collections: Collections;
  tags: TagEntry[];
}

/**
 * The pages of `pagesDir`. `cached` (production) reads every file once;
 * otherwise every call sees the files as they are now. `drafts` (npm run
 * dev) serves `draft: true` pages, marked; they are never in collections.
 */
export function createPageIndex(pagesDir: string, { cached = false, drafts = false } = {}): PageIndex {
  const show = pathNamer([pagesDir]);
  const folder = path.basename(pagesDir);
  const folderDefaults = createFolderDefaults(pagesDir, show, { cached });
  let table: SiteTable | undefined;
  let tableFingerprint = '';
  let data: SiteData | undefined;

  const siteData = () => (cached ? (data ??= loadData(pagesDir)) : loadData(pagesDir));
  const texts = new Map<string, string>();
  const textOf = (file: string): string => {
    if (!cached) return readFileSync(file, 'utf8');
    let text = texts.get(file);
    if (text === undefined) texts.set(file, (text = readFileSync(file, 'utf8')));
    return text;
  };

  /**
   * The file at `segments` under the pages folder, or null. `listing`, the entries of its folder as the walk of the
   * table listed them, says where a regular file is without the stat and realpath of resolveInside (three system calls
   * a page): a folder reached from a pages folder that is its own real path, through folders that are no links, holds
   * its listed files where they are, and not the names it does not list (a page looked for as .html and as .md). A link
   * is resolveInside's to find.
   */
  const fileAt = (segments: readonly string[], listing?: ReadonlyMap<string, Dirent>): string | null => {
    const entry = listing?.get(segments.at(-1)!);
    if (listing && !entry) return null;
    return entry?.isFile() ? path.join(pagesDir, ...segments) : resolveInside(pagesDir, [...segments]);
  };

  /** The file of a page of its own (not made from data), or null; both an .html and an .md is an error. `listing`: see fileAt. */
  const ownFile = (segments: readonly string[], listing?: ReadonlyMap<string, Dirent>): string | null => {
    const last = segments.at(-1);
    if (last === undefined || segments.some(isHidden)) return null;
    if (isTextPage(last)) return fileAt(segments, listing);
    if (GENERATOR_NAME.test(`${last}.html`)) return null;
    const found = PAGE_EXTENSIONS.flatMap((ext) => fileAt([...segments.slice(0, -1), last + ext], listing) ?? []);
    if (found.length > 1) {
      throw new RenderError(show(found[1]!), null, null, `${show(found[0]!)} is the same page (${pageUrl(segments.join('/'))}); keep one of the two files.`, found[1]!);
    }
    return found[0] ?? null;
  };

  /** Metadata for the table; a page whose metadata cannot be read has none here, and shows its error when rendered. */
  const metaOf = (file: string): PageMeta => {
    let text = '';
    try {
      text = textOf(file);
      const split = splitPageSource(text);
      return { values: { ...folderDefaults(file).values, ...split.context }, template: split.template, text };
    } catch (err) {
      if (err instanceof MetadataError || err instanceof RenderError) return { values: {}, template: '', text };
      throw err;
    }
  };

  /** "entry 21 of clients (pages/_data/clients.yaml, line 40)": counted from 1, as people count. */
  const entries = (each: string, indexes: number[]): string => {
    const where = each.startsWith(COLLECTIONS) ? null : entryLines(pagesDir, each, indexes);
    const numbers = indexes.map((i) => i + 1).join(' and ');
    const lines = where?.lines.filter((line) => line !== null) ?? [];
    const at = where ? ` (${where.file}${lines.length === indexes.length ? `, line${lines.length > 1 ? 's' : ''} ${lines.join(' and ')}` : ''})` : '';
    return `${indexes.length > 1 ? 'entries' : 'entry'} ${numbers} of ${each}${at}`;
  };

  /** The list `each:` or `paginate:` names: `collections` (the tags), `collections.<tag>`, or shared data. */
  const listNamed = (name: string, made: { collections: Collections; tags: TagEntry[] } | null): unknown => {
    if (name === COLLECTIONS) return made?.tags;
    if (name.startsWith(`${COLLECTIONS}.`)) return made ? (made.collections[name.slice(COLLECTIONS.length + 1)] ?? []) : undefined;
    return dataAt(siteData(), name.startsWith('data.') ? name.slice('data.'.length) : name);
  };

  const listError = (key: string, name: string, list: unknown): string | null => {
    if (list === undefined) return `${key}: ${name} names no data; add ${folder}/${DATA_FOLDER}/${name.replace(/^data\./, '').split('.')[0]}.json (or .yaml), or name a collection (collections.post).`;
    if (!Array.isArray(list)) return `${key}: ${name} is ${list === null ? 'null' : typeof list}, not a list.`;
    return null;
  };

  /** The pages one [name].* file makes, checked: `each` names a list, and every entry has a slug of its own. */
  const generatedPages = (dirSegments: readonly string[], name: string, file: string, each: string, made: { collections: Collections; tags: TagEntry[] } | null): PageInfo[] => {
    const shown = show(file);
    const entryName = GENERATOR_NAME.exec(name)![1]!;
    const fail = (reason: string) => new RenderError(shown, null, null, reason, file);
    const list = listNamed(each, made);
    const wrong = listError('each', each, list);
    if (wrong) throw fail(wrong);
    const slugs = new Map<string, number>();
    return (list as unknown[]).map((value, index) => {
      const field = value !== null && typeof value === 'object' ? SLUG_FIELDS.find((f) => typeof (value as Record<string, unknown>)[f] === 'string') : undefined;
      const entrySlug = field ? slugify((value as Record<string, string>)[field]) : '';
      if (!entrySlug) throw fail(`${entries(each, [index])} needs a slug, name or title field with letters or digits, for its URL.`);
      const twin = slugs.get(entrySlug);
      if (twin !== undefined) throw fail(`${entries(each, [twin, index])} both have the slug "${entrySlug}"; give one a "slug" field of its own.`);
      slugs.set(entrySlug, index);
      const slug = [...dirSegments, entrySlug].join('/');
      return { slug, url: pageUrl(slug), file, source: shown, entry: { name: entryName, value, index } };
    });
  };

  /** `each:` of a [name].* file, or a RenderError. */
  const eachOf = (name: string, file: string): string => {
    const shown = show(file);
    const source = textOf(file);
    let each: unknown;
    try {
      each = splitPageSource(source).context.each;
    } catch (err) {
      if (err instanceof MetadataError) throw locatedMetadataError(err, source, file, shown);
      throw err;
    }
    if (typeof each !== 'string' || each === '') {
      const entryName = GENERATOR_NAME.exec(name)![1]!;
      throw new RenderError(shown, null, null, `a page named [${entryName}] is made from a list: say which, e.g. "each: team" in its front matter or context block.`, file);
    }
    return each;
  };

  /** Every file under pages/ with its times and size: the table is made again in dev when this changes. */
  const fingerprint = (): string => {
    const parts: string[] = [];
    const walk = (dir: string) => {
      let names;
      try {
        names = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of names) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else {
          const stat = statSync(file, { throwIfNoEntry: false });
          if (stat) parts.push(`${file}\0${stat.mtimeMs}\0${stat.ctimeMs}\0${stat.size}\0${stat.ino}`);
        }
      }
    };
    walk(pagesDir);
    return parts.join('\n');
  };

  const makeTable = (): SiteTable => {
    const t: SiteTable = { byUrl: new Map(), bySlug: new Map(), drafts: new Set(), brokenUrls: new Map(), brokenFolders: new Map(), collections: {}, tags: [] };
    /** Where each URL's claim comes from, for the error when two pages claim one. */
    const claimedBy = new Map<string, { page: PageInfo; permalink: boolean }>();
    const items: CollectionItem[] = [];
    const paginated: Array<{ page: PageInfo; meta: PageMeta }> = [];
    const fromCollections: Array<{ dirSegments: string[]; name: string; file: string; each: string }> = [];
    const problem = (url: string, error: RenderError) => {
      if (!t.brokenUrls.has(url)) t.brokenUrls.set(url, error);
    };

    /** Put `page` at its URL; two claims with a permalink among them are an error naming both files. */
    const claim = (page: PageInfo, permalink: boolean) => {
      const other = claimedBy.get(page.url);
      if (other && other.page.file !== page.file) {
        if (permalink || other.permalink) {
          const error = new RenderError(page.source, null, null, `${other.page.source} is at ${page.url} too; two pages cannot have one URL. Give one of them another permalink.`, page.file);
          problem(page.url, error);
          t.byUrl.delete(page.url);
          return;
        }
        // A page of its own wins over one made from data at the same URL.
        if (!other.page.entry) return;
      }
      if (t.brokenUrls.has(page.url)) return;
      claimedBy.set(page.url, { page, permalink });
      t.byUrl.set(page.url, page);
      t.bySlug.set(page.slug, page);
    };

    /** An item of `collections` for a page; a bad `tags:` or `date:` is the page's error. */
    const itemOf = (page: PageInfo, meta: PageMeta): CollectionItem | null => {
      const entry = page.entry?.value as Record<string, unknown> | undefined;
      const values = page.entry ? { ...meta.values, [page.entry.name]: entry } : meta.values;
      const fail = (key: string, reason: string) => problem(page.url, new RenderError(page.source, keyLine(meta.text, key), null, reason, page.file));
      const tags = tagsOf(values.tags);
      if (typeof tags === 'string') return fail('tags', tags), null;
      const date = parseDate(values.date ?? (entry && typeof entry === 'object' ? entry.date : undefined));
      if (date === undefined) return fail('date', `date: ${JSON.stringify(values.date)} is not a date; write it as 2026-03-01 or 2026-03-01T09:30:00+01:00.`), null;
      const title = values.title ?? (entry && typeof entry === 'object' ? (entry.title ?? entry.name) : undefined);
      const excerpt = typeof values.excerpt === 'string' ? values.excerpt : lazyExcerpt(meta.template, page.file.endsWith('.md'));
      const own = page.slug.split('/');
      const slug = own.at(-1) === INDEX_SLUG && own.length > 1 ? own.at(-2)! : own.at(-1)!;
      const item = { url: page.url, title: title === undefined || title === null ? '' : String(title), date, tags, data: values, slug };
      return Object.defineProperty(item, 'excerpt', typeof excerpt === 'string' ? { value: excerpt, enumerable: true } : { get: excerpt, enumerable: true }) as CollectionItem;
    };

    /** A page of its own: its permalink, draft and pagination read from its metadata. */
    const ownPage = (segments: string[], file: string) => {
      const slug = segments.join('/');
      const page: PageInfo = { slug, url: pageUrl(slug), file, source: show(file) };
      const meta = metaOf(file);
      const permalink = meta.values.permalink;
      if (permalink !== undefined && permalink !== null && permalink !== false) {
        const url = typeof permalink === 'string' ? permalinkUrl(permalink, isTextPage(file)) : null;
        if (url === null) {
          const example = isTextPage(file) ? `/${path.basename(file)}` : '/blog/2026/hello/';
          problem(page.url, new RenderError(page.source, keyLine(meta.text, 'permalink'), null, `permalink: ${JSON.stringify(permalink)} is not a URL path of this site; write one like ${example} (starting with /${isTextPage(file) ? '' : ' and ending with /'}).`, file));
          return;
        }
        page.url = url;
      }
      if (meta.values.draft === true) {
        if (!drafts) {
          t.drafts.add(slug);
          return;
        }
        page.draft = true;
      }
      // A page whose tags or date cannot be read is not served: its URL answers with the error.
      const item = itemOf(page, meta);
      if (!item) return;
      if (!page.draft) items.push(item);
      if (meta.values.paginate !== undefined) paginated.push({ page, meta });
      else claim(page, page.url !== pageUrl(slug));
    };

    // Its folders are entered as listed (a link to a folder is not one): in a pages folder that is its own real path, a
    // file listed is where it is listed (fileAt).
    let realPagesDir = false;
    try {
      realPagesDir = realpathSync.native(pagesDir) === pagesDir;
    } catch {
      // no pages folder: nothing is listed
    }
    const visit = (segments: string[]) => {
      let names;
      try {
        names = readdirSync(path.join(pagesDir, ...segments), { withFileTypes: true });
      } catch {
        return;
      }
      const listing = realPagesDir ? new Map(names.map((entry) => [entry.name, entry])) : undefined;
      const folderKey = segments.join('/');
      const own = new Set<string>();
      const generators: string[] = [];
      for (const entry of names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (isHidden(entry.name)) continue;
        if (entry.isDirectory()) {
          visit([...segments, entry.name]);
          continue;
        }
        if (GENERATOR_NAME.test(entry.name)) generators.push(entry.name);
        const slug = ownPageSlug([...segments, entry.name].join('/'));
        const reachable = slug === null ? null : slugSegments(slug);
        if (!reachable || own.has(reachable.join('/'))) continue;
        own.add(reachable.join('/'));
        let file: string | null;
        try {
          file = ownFile(reachable, reachable.slice(0, -1).join('/') === folderKey ? listing : undefined);
        } catch (err) {
          if (!(err instanceof RenderError)) throw err;
          problem(pageUrl(reachable.join('/')), err);
          continue;
        }
        if (file) ownPage(reachable, file);
      }
      const made = new Map<string, PageInfo>();
      try {
        for (const name of generators) {
          const file = fileAt([...segments, name], listing);
          if (!file) continue;
          const each = eachOf(name, file);
          if (each === COLLECTIONS || each.startsWith(`${COLLECTIONS}.`)) {
            fromCollections.push({ dirSegments: segments, name, file, each });
            continue;
          }
          for (const page of generatedPages(segments, name, file, each, null)) {
            const other = made.get(page.slug);
            if (other) throw new RenderError(page.source, null, null, `${other.source} makes ${page.url} too; one URL, one page.`, file);
            made.set(page.slug, page);
          }
        }
      } catch (err) {
        if (!(err instanceof RenderError)) throw err;
        t.brokenFolders.set(folderKey, err);
        return;
      }
      for (const page of made.values()) {
        if (own.has(page.slug)) continue;
        const item = itemOf(page, metaOf(page.file));
        if (!item) continue;
        items.push(item);
        claim(page, false);
      }
    };
    visit([]);

    // Collections are made of the pages above; the pages made from them are not in them.
    Object.assign(t, collect(items));
    for (const { dirSegments, name, file, each } of fromCollections) {
      try {
        for (const page of generatedPages(dirSegments, name, file, each, t)) claim(page, false);
      } catch (err) {
        if (!(err instanceof RenderError)) throw err;
        t.brokenFolders.set(dirSegments.join('/'), err);
      }
    }
    for (const { page, meta } of paginated) {
      for (const slice of paginate(page, meta, t)) claim(slice, slice.url !== pageUrl(slice.slug));
    }
    return t;
  };

  /** The slices of a paginated page: the page itself at its URL, then <its URL>page/2/ and on. */
  const paginate = (page: PageInfo, meta: PageMeta, made: SiteTable): PageInfo[] => {
    const fail = (key: string, reason: string) => {
      made.brokenUrls.set(page.url, new RenderError(page.source, keyLine(meta.text, key), null, reason, page.file));
      return [];
    };
    const of = meta.values.paginate;
    if (typeof of !== 'string' || of === '') return fail('paginate', 'paginate: name the list to page through, e.g. "paginate: collections.post" or "paginate: products".');
    if (!page.url.endsWith('/')) return fail('paginate', `paginate: a text page is one file; page through ${of} in an HTML or Markdown page.`);
    const list = listNamed(of, made);
    const wrong = listError('paginate', of, list);
    if (wrong) return fail('paginate', wrong);
    const size = meta.values.size ?? DEFAULT_PAGE_SIZE;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) return fail('size', `size: ${JSON.stringify(size)}: write how many items each page shows, a whole number from 1.`);
    const items = meta.values.reverse === true ? [...(list as unknown[])].reverse() : (list as unknown[]);
    const count = Math.max(1, Math.ceil(items.length / size));
    const urls = Array.from({ length: count }, (_, i) => (i === 0 ? page.url : `${page.url}${SLICE_SEGMENT}/${i + 1}/`));
    const slugs = urls.map((_, i) => (i === 0 ? page.slug : [...(page.slug === INDEX_SLUG ? [] : [page.slug]), SLICE_SEGMENT, String(i + 1)].join('/')));
    return urls.map((url, i) => ({
      ...page,
      slug: slugs[i]!,
      url,
      pagination: { items: items.slice(i * size, (i + 1) * size), page: i + 1, pages: count, size, urls, next: urls[i + 1] ?? null, previous: urls[i - 1] ?? null, of },
    }));
  };

  /** The table as the files are now: made once when cached, else again when any file under pages/ changed. */
  const site = (): SiteTable => {
    if (cached) return (table ??= unrecorded(makeTable));
    const now = fingerprint();
    if (!table || now !== tableFingerprint) {
      table = unrecorded(makeTable);
      tableFingerprint = now;
    }
    return table;
  };

  const brokenAt = (t: SiteTable, url: string, dirSegments: readonly string[]): RenderError | undefined => t.brokenUrls.get(url) ?? t.brokenFolders.get(dirSegments.join('/'));

  /** The pages `assume` took, by URL and by slug; null until then, and once the whole table is made. */
  let assumed: { byUrl: Map<string, PageInfo>; bySlug: Map<string, PageInfo> } | null = null;
  const tableOrAssumed = () => (table ? null : assumed);

  /**
   * Whether the page file `file` (edited) is still where the table had it, and served: it is `page`, at the URL its
   * file gives, and its metadata (its folders' defaults under its own, as makeTable reads them) moves it nowhere
   * (no permalink, draft, paginate or each) and has tags and a date the table takes (else its URL answers an error).
   */
  const unmoved = (file: string, relative: string, bySlug: ReadonlyMap<string, PageInfo>): boolean => {
    const slug = ownPageSlug(relative);
    const reachable = slug === null ? null : slugSegments(slug);
    const page = reachable && bySlug.get(reachable.join('/'));
    if (!page || page.url !== pageUrl(page.slug)) return false;
    const { values } = metaOf(file);
    if (['permalink', 'draft', 'paginate', 'each'].some((key) => values[key] !== undefined)) return false;
    return typeof tagsOf(values.tags) !== 'string' && parseDate(values.date) !== undefined;
  };

  return {
    text: textOf,
    data: siteData,
    collections: () => {
      const t = site();
      return { collections: t.collections, tags: t.tags };
    },
    find(segments) {
      if (segments.length === 0 || segments.some(isHidden)) return null;
      const url = pageUrl(segments.join('/'));
      const known = tableOrAssumed()?.byUrl.get(url);
      if (known) return known;
      const t = site();
      const found = t.byUrl.get(url);
      if (found) return found;
      const broken = brokenAt(t, url, segments.slice(0, -1));
      if (broken) throw broken;
      return null;
    },
    urlOf(slug) {
      const known = tableOrAssumed()?.bySlug.get(slug);
      if (known) return known.url;
      const t = site();
      const page = t.bySlug.get(slug);
      if (page) return page.url;
      const segments = slugSegments(slug);
      const broken = segments && brokenAt(t, pageUrl(slug), segments.slice(0, -1));
      if (broken) throw broken;
      if (t.drafts.has(slug)) throw new Error(`url('page', '${slug}'): ${folder}/${slug} is a draft (draft: true), so it is not published; link to it once it is.`);
      throw new Error(`url('page', '${slug}'): there is no page ${folder}/${slug}.html or ${folder}/${slug}.md, and none made from data at ${pageUrl(slug)}.`);
    },
    assume(pages, changed) {
      if (!cached || drafts || table || pages.some((page) => page.entry || page.pagination)) return false;
      const bySlug = new Map(pages.map((page) => [page.slug, page]));
      for (const file of changed) {
        const relative = path.relative(pagesDir, file);
        // Templates and static files move no page; data moves none where no page is made from it.
        if (relative.startsWith('..') || path.isAbsolute(relative) || relative.split(path.sep)[0] === DATA_FOLDER) continue;
        // Folder defaults may give their pages a permalink, a draft or a date.
        if (DEFAULTS_FILE_NAMES.includes(path.basename(file))) return false;
        if (!unmoved(file, relative, bySlug)) return false;
      }
      assumed = { byUrl: new Map(pages.map((page) => [page.url, page])), bySlug };
      return true;
    },
    list(reservedPrefixes = []) {
      const t = site();
      const broken = [...t.brokenUrls.values(), ...t.brokenFolders.values()].sort((a, b) => (a.message < b.message ? -1 : 1));
      if (broken.length > 0) throw broken[0];
      return [...t.byUrl.values()].filter((page) => !isReserved(page.url, reservedPrefixes)).sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
    },
  };
}

/** The first paragraph of a page, made when first read: most listings never show it. */
function lazyExcerpt(template: string, isMarkdown: boolean): () => string {
  let excerpt: string | undefined;
  return () => (excerpt ??= excerptOf(template, isMarkdown));
}

/** The URL a `permalink:` gives, checked as every request is: /x/y/ for a page, /x/feed.xml for a text page; null when it is none. */
function permalinkUrl(permalink: string, textPage: boolean): string | null {
  if (!permalink.startsWith('/')) return null;
  const segments = safeSegments(permalink);
  if (!segments) return null;
  if (segments.length === 0) return textPage ? null : '/';
  const url = `/${segments.map(encodeURIComponent).join('/')}`;
  if (textPage) return permalink.endsWith('/') || !isTextPage(segments.at(-1)!) ? null : url;
  return permalink.endsWith('/') && !isTextPage(segments.at(-1)!) ? `${url}/` : null;
}

/** Every page that can be served, sorted by URL: the build crawls from these, and the DEBUG 404 page lists them. */
export function listPages(pagesDir: string, reservedPrefixes: readonly string[] = []): PageInfo[] {
  // Cached: an index used once makes its table once, without first stamping every file to see whether it changed.
  return createPageIndex(pagesDir, { cached: true }).list(reservedPrefixes);
}

/** `url('page', slug)` for templates: the page's URL, or an error naming the file that is missing. */
export function pageUrlLookup(pagesDir: string): (slug: string) => string {
  return createPageIndex(pagesDir).urlOf;
}
