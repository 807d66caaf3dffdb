// A rebuild after editing some files builds only the pages they affect.
//
// After each build the last build's record (last-build.ts) keeps, with the
// stamp of every input file, what each page read as it was rendered (the
// reads page-memo.ts notes: its file, its templates, the folder defaults,
// data names, collections, what now() gave), the header policy of each page
// written (for `_headers`) and the URLs each references that are neither a
// page nor a static file (placeholder images and other generated files).
// The next full build, when only existing page files, templates, data files
// and folder defaults changed, and the settings and the published site are
// as recorded, works out the pages whose reads name a changed file, the
// pages listing collections when a page or defaults changed (page-memo.ts
// then reuses those whose collections came out the same), the pages where
// now() gives something else than it gave (the time; a new year), and pages
// with no reads recorded, and builds only these, in place (the incremental
// mode of site.ts): the app still answers every page built, and `_headers`,
// the manifest, sitemap, robots.txt and the search index are written as a
// full build writes them.
//
// Anything else is a full build, which is always right: a file added or
// removed, a static file, the builder's code, a file under pages/ that is
// none of the above, a changed page using absolute_url or whose page made
// absolute URLs last time (the build's note names those pages), an edit
// affecting most pages (a layout: the same work, less bookkeeping). In a
// site with pages made from data or paginated (their number may change): an
// edit of a data file, folder defaults or the page making them, or of a
// page so that a collection has other pages. And, found while building: a
// page that no longer answers at its URL (a new permalink, now a draft) and a
// page whose placeholder images or other generated files changed (the full
// build removes those no page uses any more).
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { Crawl } from './crawl.ts';
import { DATA_FOLDER } from '../pages/data.ts';
import { DEFAULTS_FILE_NAMES } from '../pages/defaults.ts';
import type { CollectionItem, Collections, TagEntry } from '../pages/collections.ts';
import { clockUnchanged, type PageReads } from '../pages/reads.ts';
import type { Changes } from './last-build.ts';
import { isStaticPath } from './urls.ts';

type Reads = Array<[kind: keyof PageReads, name: string]>;

export interface RecordedPage {
  url: string;
  slug: string;
  /** Real path of its file. */
  file: string;
  /** As people see it: "pages/pricing.html". */
  source: string;
  /** Made from data or a slice of a paginated page: the number of such pages follows the data. */
  generated?: true;
}

/** What the last build's record keeps about its pages (see the top of this file). */
export interface SitePages {
  pages: RecordedPage[];
  /** By URL path (/404.html for the 404 page). */
  reads: Record<string, Reads>;
  /** The header policies of the pages, each once (most pages share one), and each page's (by file, pricing/index.html) by its place there. */
  policyList: string[];
  policies: Record<string, number>;
  /** By page file: the keys of the internal URLs it references that are no page and no static file, sorted (absent for none). */
  generated: Record<string, string[]>;
  /** With pages made from data or paginated: what their number and URLs depend on in the collections (collectionsDigest). */
  collections?: string;
}

/** What a build of only the affected pages builds. */
export interface DeltaPlan {
  /** URL paths of the pages to build again. */
  urls: string[];
  /** Whether the 404 page is built again. */
  notFound: boolean;
  /** Whether the build must first find the collections as recorded (a page edited in a site with pages made from them). */
  sameCollections: boolean;
}

export const NOT_FOUND_URL = '/404.html';

/** Thrown while building the affected pages when only a full build is right (see the top of this file). */
export class FullBuildNeeded extends Error {}

const real = (file: string): string => {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
};

const inside = (file: string, dir: string) => file.startsWith(dir + path.sep);

/** The pages to build after `changes`, or null when a full build is needed. */
export function planDelta(changes: Changes<SitePages>, { pagesDir, templatesDir, readFile }: { pagesDir: string; templatesDir: string; readFile: (file: string) => string }): DeltaPlan | null {
  if (changes.added.length > 0 || changes.removed.length > 0) return null;
  const { pages, reads } = changes.pages;
  const pagesRoot = real(pagesDir);
  const templatesRoot = real(templatesDir);
  const pageFiles = new Set(pages.map((page) => page.file));
  const hasGenerated = pages.some((page) => page.generated);
  // Page files whose pages made absolute URLs last time: the note naming them may go with the edit.
  const madeAbsoluteUrls = new Set(pages.flatMap((page) => (reads[page.url]?.some(([kind]) => kind === 'site') ? [page.file] : [])));
  const generators = new Set(pages.flatMap((page) => (page.generated ? [page.file] : [])));
  const affected = new Set<string>();
  // A page showing what now() gives, when it gives something else (the time, or a new year).
  for (const [url, list] of Object.entries(reads)) {
    const clock = clockReadsIn(list);
    if (clock.length > 0 && !clockUnchanged(clock)) affected.add(url);
  }
  const readers = (kind: keyof PageReads, names: ReadonlySet<string>) => {
    for (const [url, list] of Object.entries(reads)) if (list.some(([k, name]) => k === kind && names.has(name))) affected.add(url);
  };
  const files = new Set<string>();
  const data = new Set<string>();
  const defaults = new Set<string>();
  let listed = false;
  for (const changed of changes.changed) {
    const file = real(changed);
    files.add(file).add(changed);
    if (inside(file, templatesRoot)) continue;
    if (!inside(file, pagesRoot) || generators.has(file)) return null;
    const segments = path.relative(pagesRoot, file).split(path.sep);
    if (segments[0] === DATA_FOLDER || DEFAULTS_FILE_NAMES.includes(segments.at(-1)!)) {
      if (hasGenerated) return null;
      if (segments[0] === DATA_FOLDER) data.add(path.basename(file, path.extname(file)));
      else defaults.add(segments.slice(0, -1).join('/'));
    } else if (!pageFiles.has(file) || readFile(file).includes('absolute_url') || madeAbsoluteUrls.has(file)) return null;
    // An edited page or defaults may change what a collection lists.
    if (segments[0] !== DATA_FOLDER) listed = true;
  }
  readers('files', files);
  readers('data', data.size > 0 ? new Set([...data, '*']) : data);
  readers('defaults', defaults);
  if (listed) for (const [url, list] of Object.entries(reads)) if (list.some(([kind]) => kind === 'collections')) affected.add(url);
  // A page whose reads are not known (not rendered as a page last time) is always built.
  for (const page of pages) if (!reads[page.url]) affected.add(page.url);
  const notFound = affected.delete(NOT_FOUND_URL) || !reads[NOT_FOUND_URL];
  // Most of the site (a layout every page uses): a full build does the same work with less bookkeeping.
  if (affected.size > pages.length / 2) return null;
  return { urls: [...affected].sort(), notFound, sameCollections: hasGenerated && listed };
}

/**
 * What the number and URLs of pages made from collections depend on: each
 * collection's and each tag's items, by URL and slug (an edit that changes
 * only a title or an excerpt leaves them as they are).
 */
export function collectionsDigest({ collections, tags }: { collections: Collections; tags: TagEntry[] }): string {
  const items = (list: CollectionItem[]) => list.map((item) => `${item.url} ${item.slug}`).sort();
  const shape = [Object.entries(collections).map(([tag, list]) => [tag, items(list)]).sort(), tags.map((tag) => [tag.name, tag.slug, items(tag.items)])];
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}

/** What now() gave on a page, from its reads (clock reads, src/pages/reads.ts). */
const clockReadsIn = (list: Reads): string[] => list.flatMap(([kind, name]) => (kind === 'clock' ? [name] : []));

/** What now() gave on the site's pages. */
export const clockOf = (record: SitePages): string[] => [...new Set(Object.values(record.reads).flatMap(clockReadsIn))].sort();

/** The header policy of a page file, as the record has it. */
export const recordedPolicy = (record: SitePages, file: string): string | undefined => {
  const place = record.policies[file];
  return place === undefined ? undefined : record.policyList[place];
};

/** The references of a page's keys that are neither pages nor static files. */
const generatedOf = (keys: readonly string[], pageUrls: ReadonlySet<string>) => [...new Set(keys.filter((key) => !isStaticPath(key) && !pageUrls.has(key)))].sort();

/**
 * The record of the pages after a build: `previous` (for a build of some
 * pages, updated in place) with what this build's crawl wrote and its pages read.
 */
export function recordPages(
  previous: SitePages | null,
  { pages, readsOf, collections }: { pages: RecordedPage[]; readsOf: ReadonlyMap<string, Reads>; collections: string | undefined },
  crawl: Crawl,
): SitePages {
  const pageUrls = new Set(pages.map((page) => page.url));
  const record: SitePages = previous ?? { pages, reads: {}, policyList: [], policies: {}, generated: {}, collections };
  const places = new Map(record.policyList.map((policy, i) => [policy, i]));
  for (const [url, reads] of readsOf) record.reads[url] = reads;
  for (const [file, policy] of crawl.policies) {
    let place = places.get(policy);
    if (place === undefined) places.set(policy, (place = record.policyList.push(policy) - 1));
    record.policies[file] = place;
  }
  const used = new Set(Object.values(record.policies));
  if (used.size < record.policyList.length) {
    // Policies no page has any more: left out.
    const list = [...used].map((place) => record.policyList[place]!);
    const renumbered = new Map(list.map((policy, i) => [policy, i]));
    for (const file of Object.keys(record.policies)) record.policies[file] = renumbered.get(record.policyList[record.policies[file]!]!)!;
    record.policyList = list;
  }
  for (const [file, keys] of crawl.references) {
    const generated = generatedOf(keys, pageUrls);
    if (generated.length > 0) record.generated[file] = generated;
    else delete record.generated[file];
  }
  return record;
}

/** After the affected pages are crawled: refuse (FullBuildNeeded) when one references other generated files than last time. */
export function assertSameGenerated(previous: SitePages, crawl: Crawl): void {
  const pageUrls = new Set(previous.pages.map((page) => page.url));
  for (const [file, keys] of crawl.references) {
    if (JSON.stringify(generatedOf(keys, pageUrls)) !== JSON.stringify(previous.generated[file] ?? [])) {
      throw new FullBuildNeeded(`${file} references other generated files`);
    }
  }
}
