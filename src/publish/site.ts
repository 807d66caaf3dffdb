// One build of the static site, step by step: crawl the app into a staging
// folder, write the manifest, the search index, sitemap and robots.txt, check every link, and
// only then put the new site in place (output.ts).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LocateFile } from './assets.ts';
import type { BuildCache } from './cache.ts';
import { ROOT_PATH, underBasePath } from './base-path.ts';
import { createLinkCheck } from './check.ts';
import { headersFile, HEADERS_FILE, policyOfBuiltPage } from './headers.ts';
import { NOT_FOUND_PAGE } from '../pages/files.ts';
import { createCrawl, type Crawl, type CrawlOptions } from './crawl.ts';
import type { LinkSource } from './link-source.ts';
import { BuildError } from './errors.ts';
import { staticKeys, type NameFile } from './names.ts';
import { MANIFEST, openOutput, type Output } from './output.ts';
import type { Progress, Summary } from './report.ts';
import { SEARCH_DIR, writeSearchIndex } from './search-index.ts';
import { pagesIn, robotsTxt, sitemapXml } from './sitemap.ts';

export interface SiteOptions {
  /** The app, asked in-process. */
  fetch: (request: Request) => Response | Promise<Response>;
  /** Answers had without asking the app a Request (pages unchanged since the last build, pages rendered directly). */
  answer?: CrawlOptions['answer'];
  /** URL paths of the pages to start from, e.g. ['/', '/pricing/']. */
  pages: string[];
  /** Disk file of a /static/ URL path. */
  locate: LocateFile;
  /** Its files are all published, referenced or not (full builds). */
  staticDir: string;
  buildDir: string;
  /** Public origin (https://example.com): enables sitemap.xml and robots.txt. */
  siteOrigin?: string;
  /** BASE_PATH ("/project/"), "/" for a site served at the root. */
  basePath?: string;
  /** Rebuild just these pages (and what they reference) in the existing site. */
  incremental: boolean;
  /** With `incremental`: the 404 page is built again too. */
  notFound?: boolean;
  /** With `incremental`: the header policy of a page kept as it is, known without reading it (else it is read from the site). */
  keptPolicy?: (file: string) => string | undefined;
  /** With `incremental`: the files of the live site, when known without listing it. */
  liveFiles?: readonly string[];
  /** With `incremental`: false when no page can have a search box (none had, none rebuilt has), so the index is not made. */
  search?: boolean;
  /** Told, once the site is published over a live one, the files of it written, replaced or removed. */
  onPublished?: (touched: string[] | null) => void;
  /** Told the crawl once it is finished (what each page references, its policy). */
  onCrawl?: (crawl: Crawl) => void;
  progress: Progress;
  nameFile?: NameFile;
  /** Which pages came from the build cache rather than the app (page-memo.ts); absent when every page is rendered. */
  work?: ReadonlyMap<string, 'rendered' | 'reused'>;
  /** Kept between builds (bundles, .gz and .br); null or absent to build without (BUILD_CACHE=off). */
  cache?: BuildCache | null;
  /** The file and line a reference on a page was written in, for broken links. */
  sourceOf?: LinkSource;
}

export { NOT_FOUND_PAGE };

/** Pages a build of some pages builds at most to write its files without writer threads. */
const FEW_PAGES = 4;

export async function buildSite(options: SiteOptions): Promise<Summary> {
  const started = performance.now();
  const { buildDir, siteOrigin, incremental, progress } = options;
  if (incremental && !existsSync(path.join(buildDir, MANIFEST))) {
    throw new BuildError(`There is no previous build in ${buildDir} to rebuild pages in. Run a full build first: npm run build`);
  }
  // A build of a page or two, without a search index to make again, writes a handful of files.
  const fewFiles = incremental && options.pages.length <= FEW_PAGES && options.search === false;
  const output = await openOutput(buildDir, { incremental, cache: options.cache, liveFiles: options.liveFiles, fewFiles });
  try {
    const check = createLinkCheck((file) => output.has(file), siteOrigin, options.basePath);
    const notFound = !incremental || options.notFound === true;
    const onlyPages = incremental ? new Set([...options.pages, ...(notFound ? [`/${NOT_FOUND_PAGE}`] : [])]) : undefined;
    const crawl = createCrawl({ ...options, output, check, onlyPages });
    // Static files first: pages reference them, and a page is written once they are.
    if (!incremental) for (const key of staticKeys(options.staticDir)) crawl.visit(key);
    if (notFound) crawl.visitNotFound(NOT_FOUND_PAGE);
    for (const page of options.pages) crawl.visit(page);
    await crawl.finished();
    options.onCrawl?.(crawl);

    // The pages asked for, and the 404 page, must come out as pages (a text page, feed.xml, as its file); anything else is the link check's business.
    const required = notFound ? [...options.pages, `/${NOT_FOUND_PAGE}`] : options.pages;
    const failed = required.flatMap((key) => {
      const outcome = crawl.outcomeOf(key);
      return outcome.kind === 'page' || (outcome.kind === 'file' && !key.endsWith('/')) ? [] : [`  ${key}: ${outcome.kind === 'missing' ? outcome.why : 'not a page'}`];
    });
    if (failed.length > 0) throw new BuildError(`Pages that could not be built:\n${failed.join('\n')}`);

    await writeManifest(crawl, output, incremental ? path.join(buildDir, MANIFEST) : null);
    progress.update('Writing', 'the last files');
    await output.settle();
    // Every page is on disk now: the search index is made from their final bytes (search-index.ts).
    let search = { pages: 0 };
    // A full build knows whether a page it wrote has a search box. A build of some pages over a site none of whose
    // pages had one knows too (did a page it wrote gain one?); over a site with one, the index reads every page.
    const boxes = !incremental || options.search === false ? crawl.searchBox() : null;
    if (boxes !== false) {
      progress.update('Indexing', 'pages for search');
      // Its chunks are named by their contents: those of the last index go unless written again.
      if (incremental) output.drop(`${SEARCH_DIR}/`);
      search = await writeSearchIndex(output, options.cache, NOT_FOUND_PAGE, boxes);
      await output.settle();
    }
    if (siteOrigin) {
      // Every page is on disk now, including those a rebuild of single pages left alone.
      const siteUrl = siteOrigin + underBasePath(options.basePath ?? ROOT_PATH, '/').slice(0, -1);
      await output.write('sitemap.xml', sitemapXml(siteUrl, pagesIn(output.files())));
      await output.write('robots.txt', robotsTxt(siteUrl));
      await output.settle();
    }
    // A page a rebuild of named pages left alone has its policy in the live site's copy.
    const policyOf = (page: string) => crawl.policies.get(page) ?? options.keptPolicy?.(page) ?? policyOfBuiltPage(path.join(buildDir, page));
    const headers = headersFile(output.files(), options.basePath ?? ROOT_PATH, policyOf, NOT_FOUND_PAGE);
    await output.write(HEADERS_FILE, headers.text);
    await output.settle();
    progress.update('Checking', 'links and references');
    await check.verify((key) => {
      const outcome = crawl.outcomeOf(key);
      return outcome.kind === 'missing' ? outcome.why : undefined;
    }, options.sourceOf);
    progress.done();
    await output.publish();
    options.onPublished?.(output.touched());
    await options.cache?.settled();
    return { ...crawl.counts, searchIndexed: search.pages, headers: { rules: headers.rules, longestLine: headers.longestLine }, bytes: output.stats, seconds: (performance.now() - started) / 1000, buildDir };
  } catch (err) {
    progress.done();
    await output.discard();
    await options.cache?.settled();
    throw err;
  }
}

/** manifest.json: source name to hashed name of every static file, merged into `previous` on a rebuild of named pages. */
async function writeManifest(crawl: Crawl, output: Output, previous: string | null): Promise<void> {
  const manifest: Record<string, string> = previous && existsSync(previous) ? JSON.parse(await readFile(previous, 'utf8')) : {};
  for (const [source, hashed] of crawl.hashedFiles()) manifest[source] = hashed;
  const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
  await output.write(MANIFEST, JSON.stringify(sorted, null, 2) + '\n');
}
