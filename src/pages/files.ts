// Which page file a URL names and which URL each page file has:
// pages/<slug>.html is served at /<slug>/ and pages/index.html at /.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { resolveInside, safeSegments } from '../safe-path.ts';

export const PAGE_EXTENSION = '.html';
export const INDEX_SLUG = 'index';

export interface PageInfo {
  /** e.g. "pricing", "docs/intro", "index" */
  slug: string;
  /** e.g. "/pricing/", "/docs/intro/", "/" */
  url: string;
  /** Real path of the template file. */
  file: string;
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

/** The page file for a slug's decoded segments, or null (missing, unsafe, or a link leading outside). */
export function findPageFile(pagesDir: string, segments: readonly string[]): string | null {
  const last = segments.at(-1);
  if (last === undefined) return null;
  return resolveInside(pagesDir, [...segments.slice(0, -1), last + PAGE_EXTENSION]);
}

/** A slug's segments when its URL passes the checks every request goes through, else null. */
export function slugSegments(slug: string): string[] | null {
  if (slug === INDEX_SLUG) return [INDEX_SLUG];
  const segments = safeSegments(pageUrl(slug));
  return segments && segments.length ? segments : null;
}

/** `url('page', slug)` for templates: the page's URL, or an error naming the file that is missing. */
export function pageUrlLookup(pagesDir: string): (slug: string) => string {
  const folder = path.basename(pagesDir);
  return (slug) => {
    const segments = slugSegments(slug);
    if (!segments || !findPageFile(pagesDir, segments)) {
      throw new Error(`url('page', '${slug}'): there is no page ${folder}/${slug}${PAGE_EXTENSION}.`);
    }
    return pageUrl(segments.join('/'));
  };
}

/**
 * Every page that can be served, sorted by URL: the static-site builder
 * crawls from these, and the DEBUG 404 page lists them. Pages shadowed by
 * a reserved prefix (pages/board.html under /board) are left out.
 */
export function listPages(pagesDir: string, reservedPrefixes: readonly string[] = []): PageInfo[] {
  const pages: PageInfo[] = [];
  const visit = (segments: string[]) => {
    let entries;
    try {
      entries = readdirSync(path.join(pagesDir, ...segments), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) {
        visit([...segments, entry.name]);
        continue;
      }
      if (!entry.name.endsWith(PAGE_EXTENSION) || entry.name === PAGE_EXTENSION) continue;
      const slug = [...segments, entry.name.slice(0, -PAGE_EXTENSION.length)].join('/');
      const reachable = slugSegments(slug);
      const file = reachable && findPageFile(pagesDir, reachable);
      const url = pageUrl(slug);
      if (file && !isReserved(url, reservedPrefixes)) pages.push({ slug, url, file });
    }
  };
  visit([]);
  return pages.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
}
