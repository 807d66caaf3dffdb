// Which page a URL names and which URL each page has:
//   pages/<slug>.html or pages/<slug>.md   at /<slug>/ (pages/index.* at /)
//   pages/<folder>/[<name>].html or .md    once per entry of the list its
//                                          `each` names, at /<folder>/<entry slug>/
// Files and folders whose name starts with "_" (pages/_data/) or "." are never pages.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveInside, safeSegments } from '../safe-path.ts';
import { slugify } from '../templates/helpers.ts';
import { MetadataError } from '../templates/metadata-error.ts';
import { splitPageSource } from '../templates/page-source.ts';
import { dataAt, entryLines, loadData, type SiteData } from './data.ts';
import { locatedMetadataError, pathNamer, RenderError } from './page-error.ts';

export const PAGE_EXTENSIONS = ['.html', '.md'] as const;
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
}

/** The URL a page is served at: "/" for the index page, else /<slug>/ with each segment encoded. */
export function pageUrl(slug: string): string {
  if (slug === INDEX_SLUG) return '/';
  return `/${slug.split('/').map(encodeURIComponent).join('/')}/`;
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
  const ext = PAGE_EXTENSIONS.find((e) => name.endsWith(e));
  if (!ext || name === ext || segments.some(isHidden) || GENERATOR_NAME.test(name)) return null;
  return [...segments.slice(0, -1), name.slice(0, -ext.length)].join('/');
}

export interface PageIndex {
  /** The page at these decoded URL segments, or null. Throws a RenderError for a page that cannot be told apart or made. */
  find(segments: readonly string[]): PageInfo | null;
  /** Every page that can be served, sorted by URL, without those shadowed by a reserved prefix. */
  list(reservedPrefixes?: readonly string[]): PageInfo[];
  /** `url('page', slug)`: the page's URL, or an error naming what is missing. */
  urlOf(slug: string): string;
  /** The shared data (pages/_data/). */
  data(): SiteData;
}

/**
 * The pages of `pagesDir`. `cached` (production) reads the data and each
 * folder once; otherwise every call sees the files as they are now.
 */
export function createPageIndex(pagesDir: string, { cached = false } = {}): PageIndex {
  const show = pathNamer([pagesDir]);
  const folder = path.basename(pagesDir);
  let data: SiteData | undefined;
  const generatedIn = new Map<string, PageInfo[]>();

  const siteData = () => (cached ? (data ??= loadData(pagesDir)) : loadData(pagesDir));

  /** The file of a page of its own (not made from data), or null; both an .html and an .md is an error. */
  const ownFile = (segments: readonly string[]): string | null => {
    const last = segments.at(-1);
    if (last === undefined || segments.some(isHidden) || GENERATOR_NAME.test(`${last}.html`)) return null;
    const found = PAGE_EXTENSIONS.flatMap((ext) => resolveInside(pagesDir, [...segments.slice(0, -1), last + ext]) ?? []);
    if (found.length > 1) {
      throw new RenderError(show(found[1]!), null, null, `${show(found[0]!)} is the same page (${pageUrl(segments.join('/'))}); keep one of the two files.`, found[1]!);
    }
    return found[0] ?? null;
  };

  const ownPage = (segments: readonly string[], file: string): PageInfo => {
    const slug = segments.join('/');
    return { slug, url: pageUrl(slug), file, source: show(file) };
  };

  /** The pages made from data in a folder (its [name].* files), by slug. */
  const generated = (dirSegments: readonly string[]): PageInfo[] => {
    const key = dirSegments.join('/');
    const known = cached ? generatedIn.get(key) : undefined;
    if (known) return known;
    let names: string[];
    try {
      names = readdirSync(path.join(pagesDir, ...dirSegments)).filter((name) => GENERATOR_NAME.test(name)).sort();
    } catch {
      names = [];
    }
    const pages: PageInfo[] = [];
    const bySlug = new Map<string, PageInfo>();
    for (const name of names) {
      const file = resolveInside(pagesDir, [...dirSegments, name]);
      if (!file) continue;
      for (const page of generatedPages(dirSegments, name, file)) {
        const other = bySlug.get(page.slug);
        if (other) {
          throw new RenderError(page.source, null, null, `${other.source} makes ${page.url} too; one URL, one page.`, file);
        }
        bySlug.set(page.slug, page);
        pages.push(page);
      }
    }
    if (cached) generatedIn.set(key, pages);
    return pages;
  };

  /** The pages one [name].* file makes, checked: `each` names a list, and every entry has a slug of its own. */
  const generatedPages = (dirSegments: readonly string[], name: string, file: string): PageInfo[] => {
    const shown = show(file);
    const entryName = GENERATOR_NAME.exec(name)![1]!;
    const fail = (reason: string) => new RenderError(shown, null, null, reason, file);
    const source = readFileSync(file, 'utf8');
    let each: unknown;
    try {
      each = splitPageSource(source).context.each;
    } catch (err) {
      if (err instanceof MetadataError) throw locatedMetadataError(err, source, file, shown);
      throw err;
    }
    if (typeof each !== 'string' || each === '') {
      throw fail(`a page named [${entryName}] is made from a list: say which, e.g. "each: team" in its front matter or context block.`);
    }
    const list = dataAt(siteData(), each);
    if (list === undefined) throw fail(`each: ${each} names no data; add ${folder}/_data/${each.split('.')[0]}.json (or .yaml).`);
    if (!Array.isArray(list)) throw fail(`each: ${each} is ${list === null ? 'null' : typeof list}, not a list.`);
    const slugs = new Map<string, number>();
    return list.map((value, index) => {
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

  /** "entry 21 of clients (pages/_data/clients.yaml, line 40)": counted from 1, as people count. */
  const entries = (each: string, indexes: number[]): string => {
    const where = entryLines(pagesDir, each, indexes);
    const numbers = indexes.map((i) => i + 1).join(' and ');
    const lines = where?.lines.filter((line) => line !== null) ?? [];
    const at = where ? ` (${where.file}${lines.length === indexes.length ? `, line${lines.length > 1 ? 's' : ''} ${lines.join(' and ')}` : ''})` : '';
    return `${indexes.length > 1 ? 'entries' : 'entry'} ${numbers} of ${each}${at}`;
  };

  const find = (segments: readonly string[]): PageInfo | null => {
    if (segments.length === 0 || segments.some(isHidden)) return null;
    const file = ownFile(segments);
    if (file) return ownPage(segments, file);
    const slug = segments.join('/');
    return generated(segments.slice(0, -1)).find((page) => page.slug === slug) ?? null;
  };

  return {
    find,
    data: siteData,
    urlOf(slug) {
      const segments = slugSegments(slug);
      const page = segments && find(segments);
      if (!page) throw new Error(`url('page', '${slug}'): there is no page ${folder}/${slug}.html or ${folder}/${slug}.md, and none made from data at ${pageUrl(slug)}.`);
      return page.url;
    },
    list(reservedPrefixes = []) {
      const pages: PageInfo[] = [];
      const visit = (segments: string[]) => {
        let entries;
        try {
          entries = readdirSync(path.join(pagesDir, ...segments), { withFileTypes: true });
        } catch {
          return;
        }
        const own = new Set<string>();
        for (const entry of entries) {
          if (isHidden(entry.name)) continue;
          if (entry.isDirectory()) {
            visit([...segments, entry.name]);
            continue;
          }
          const slug = ownPageSlug([...segments, entry.name].join('/'));
          const reachable = slug === null ? null : slugSegments(slug);
          const file = reachable && ownFile(reachable);
          if (!reachable || !file || own.has(reachable.join('/'))) continue;
          own.add(reachable.join('/'));
          pages.push(ownPage(reachable, file));
        }
        // A page of its own wins over one made from data at the same URL.
        pages.push(...generated(segments).filter((page) => !own.has(page.slug)));
      };
      visit([]);
      return pages.filter((page) => !isReserved(page.url, reservedPrefixes)).sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
    },
  };
}

/** Every page that can be served, sorted by URL: the build crawls from these, and the DEBUG 404 page lists them. */
export function listPages(pagesDir: string, reservedPrefixes: readonly string[] = []): PageInfo[] {
  return createPageIndex(pagesDir).list(reservedPrefixes);
}

/** `url('page', slug)` for templates: the page's URL, or an error naming the file that is missing. */
export function pageUrlLookup(pagesDir: string): (slug: string) => string {
  return createPageIndex(pagesDir).urlOf;
}
