// `npm run build`: publish the prototype pages as a static site (book
// chapter 3). The app renders every page in-process, with DEBUG off, as the
// book's build command uses Django's test client; src/publish/ crawls what it
// answers into BUILD_DIR, with hashed assets, precompressed files and a check
// of every link.
//
//   npm run build                   every page in pages/, into _build/
//   npm run build -- index pricing  just these pages, in place
//   BUILD_DIR=public SITE_URL=https://example.com npm run build
//   BASE_PATH=/project/ npm run build   a site served under /project/ (GitHub Pages)
//   BUILD_CACHE=off npm run build   without node_modules/.cache/lightweight/build/
import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { basePathFrom } from './src/publish/base-path.ts';
import { buildCacheDirFrom, buildDirFrom, siteOriginFrom } from './src/publish/config.ts';
import { BuildError } from './src/publish/errors.ts';
import { lastBuild } from './src/publish/last-build.ts';
import type { Lightweight } from './app.ts';
import type { NameFile } from './src/publish/names.ts';
import type { PageWork, RenderPage } from './src/publish/page-memo.ts';
import type { Crawl, CrawlOptions } from './src/publish/crawl.ts';
import type { DeltaPlan, RecordedPage, SitePages } from './src/publish/delta.ts';
import type { Changes } from './src/publish/last-build.ts';
import type { Summary } from './src/publish/report.ts';
import { formatSummary } from './src/publish/report.ts';
import { RenderError } from './src/pages/page-error.ts';
import { loadSettings, ROOT, SettingsError, type Settings } from './src/settings.ts';
// The rest (the app, the crawl, the renderer) is imported when a build has work to do (see `build`): a rebuild with
// nothing changed never loads it.

/** The app logs every request; a build shows only its errors. */
const appLog = (line: string) => {
  if (line.startsWith('ERROR')) console.error(line);
};

/**
 * Pages that make absolute URLs (a feed) point them at this machine without SITE_URL: a note naming them, or null.
 * `textOf`: a page file's text as the page index read it (a full build has read them all; reading each again cost 0.1 s
 * at 4000 pages).
 */
function absoluteUrlNote(pages: Array<{ file: string; source: string }>, port: number, textOf: (file: string) => string): string | null {
  const files = new Set<string>();
  // A file making several pages (pages from data) is named once.
  const absolute = pages.filter((page) => !files.has(page.file) && files.add(page.file) && textOf(page.file).includes('absolute_url'));
  if (absolute.length === 0) return null;
  return (
    `Note: ${absolute.map((page) => page.source).join(', ')} ${absolute.length > 1 ? 'use' : 'uses'} absolute_url, and SITE_URL is not set, so ` +
    `its absolute URLs point at http://localhost:${port}. Build with SITE_URL=https://your.site for the published site.`
  );
}

/**
 * The time zone dates without one are shown in: part of what a page renders
 * from. Named as the system names it (TZ, else the zone file /etc/localtime
 * links to) before asking Intl, whose time zone data takes a tenth of a
 * second to load, as long as all the rest of a build with nothing to do.
 */
function localTimeZone(): string {
  if (process.env.TZ !== undefined) return `TZ=${process.env.TZ}`;
  try {
    return `localtime=${readlinkSync('/etc/localtime')}`;
  } catch {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  }
}

/** A site is built from a folder of pages: without one, there is nothing to publish, and a wrong PAGES_DIR would publish an empty site. */
function assertPagesFolder(pagesDir: string): void {
  if (statSync(pagesDir, { throwIfNoEntry: false })?.isDirectory()) return;
  const relative = path.relative(process.cwd(), pagesDir);
  const shown = relative && !relative.startsWith('..') ? relative : pagesDir;
  throw new BuildError(`No pages to build: there is no folder ${shown}${process.env.PAGES_DIR ? ' (PAGES_DIR)' : ''}. Create it with an index.html or index.md, or set PAGES_DIR to the folder of your pages.`);
}

/**
 * Pages are named by slug (`npm run build -- index about`): for names written as a URL or a file (/about/,
 * pages/about.md, under the pages folder's own name), the slugs meant, as a line to add to the book's message; else nothing.
 */
function slugHint(invalid: string[], pages: RecordedPage[], pagesDir: string): string {
  const folder = `${path.basename(pagesDir)}/`;
  const slugOf = (name: string) => {
    const trimmed = name.replace(/^\/+|\/+$/g, '');
    const bare = (trimmed.startsWith(folder) ? trimmed.slice(folder.length) : trimmed).replace(/\.(md|html)$/, '').replace(/\/index$/, '');
    return bare === '' ? 'index' : bare;
  };
  const meant = invalid.map(slugOf).filter((slug) => pages.some((page) => page.slug === slug));
  return meant.length > 0 ? `\nPages are named by slug: npm run build -- ${meant.join(' ')}` : '';
}

interface BuildOptions {
  settingsOf: (services: string) => Settings;
  buildDir: string;
  siteOrigin: string | undefined;
  basePath: string;
  /** Pages named on the command line (a rebuild of just these), or none for the whole site. */
  names: string[];
  /** A full build of only the pages affected by the files changed since the last one (delta.ts), in place. */
  delta?: { plan: DeltaPlan; last: Changes<SitePages> };
}

interface Built {
  notes: string[];
  summary: Summary;
  /** What the last-build record keeps of the pages (null without the cache); what now() gave on them. */
  pages: SitePages | null;
  clock: string[];
  /** The files of the live site it wrote, replaced or removed (null for a first build). */
  touched: string[] | null;
}

/** The build itself. */
async function build({ settingsOf, buildDir, siteOrigin, basePath, names, delta }: BuildOptions): Promise<Built> {
  const [{ createApp, RESERVED_PREFIXES }, { buildCacheFrom, cachingFetch }, { assertSafeBuildDir }, { createLinkSource }, { pageMemo }, { createProgress }, { buildSite, NOT_FOUND_PAGE }, { createPageIndex }, { IMAGE_PREFIX, parsePlaceholderUrl }, { findStaticFile }, { answerOf }, { assertSameGenerated, clockOf, collectionsDigest, FullBuildNeeded, recordedPolicy, recordPages }] =
    await Promise.all([
      import('./app.ts'),
      import('./src/publish/cache.ts'),
      import('./src/publish/output.ts'),
      import('./src/publish/link-source.ts'),
      import('./src/publish/page-memo.ts'),
      import('./src/publish/report.ts'),
      import('./src/publish/site.ts'),
      // Not src/pages/index.ts: the pages part (its routes, the renderer, images) loads only when a page is not in the cache.
      import('./src/pages/files.ts'),
      import('./src/placeholder/grammar.ts'),
      import('./src/static.ts'),
      import('./src/publish/crawl.ts'),
      import('./src/publish/delta.ts'),
    ]);
  const settings = settingsOf('pages');
  /** Placeholder images are named by their canonical parameters: /image/300x200/ is image/300x200.png. */
  const nameImage: NameFile = (url) => {
    if (!url.pathname.startsWith(`${IMAGE_PREFIX}/`)) return null;
    const parsed = parsePlaceholderUrl(url.pathname + url.search);
    return parsed.ok ? `${IMAGE_PREFIX.slice(1)}/${parsed.image.fileName}` : null;
  };
  /** A placeholder image URL. */
  const isImage = (url: URL) => url.pathname.startsWith(`${IMAGE_PREFIX}/`);
  /** A placeholder image that depends on its URL alone: not one drawn from a photo under static/, which may change. */
  const isPureImage = (url: URL) => isImage(url) && !url.searchParams.has('photo');

  // Validation: named pages must exist, and BUILD_DIR must be safe to replace.
  // One table of pages, for the build and the app (as the app reads it without DEBUG); it reads the pages only when
  // asked. A build of the affected pages knows them from the last build (none was added or removed), without reading them all.
  const pageIndex = createPageIndex(settings.pagesDir, { cached: true });
  const pages: RecordedPage[] =
    delta?.last.pages.pages ??
    pageIndex.list(RESERVED_PREFIXES).map(({ url, slug, file, source, entry, pagination }) => ({ url, slug, file, source, ...(entry || pagination ? { generated: true as const } : {}) }));
  // Pages made from data or paginated: how many there are depends on the collections.
  const collections = pages.some((page) => page.generated) ? collectionsDigest(pageIndex.collections()) : undefined;
  // Otherwise a build of the affected pages finds them where the last build had them, unless an edit moved one.
  if (delta && !collections) pageIndex.assume(pages, delta.last.changed);
  if (delta?.plan.sameCollections && collections !== delta.last.pages.collections) throw new FullBuildNeeded('the collections changed');
  const invalid = names.filter((name) => !pages.some((page) => page.slug === name));
  if (invalid.length > 0) throw new BuildError(`Invalid pages: ${invalid.join(', ')}${slugHint(invalid, pages, settings.pagesDir)}`);
  assertSafeBuildDir(buildDir, { project: ROOT, sources: [settings.pagesDir, settings.templatesDir, settings.staticDir] });

  // The build. The pages and the placeholder images are two apps, each
  // started only when asked something the cache does not have: the images'
  // (sharp and the fonts, a fifth of a second to load) for an image, the
  // pages' for a page whose inputs changed.
  const cache = buildCacheFrom(process.env, ROOT, JSON.stringify([settings.pagesDir, settings.templatesDir, settings.staticDir]));
  let site: Promise<Lightweight> | undefined;
  let images: Promise<Lightweight> | undefined;
  const siteApp = () => (site ??= createApp(settings, appLog, { pageIndex }));
  const imageApp = () => (images ??= createApp(settingsOf('placeholder'), appLog));
  try {
    const fetch = async (request: Request) => (await (isImage(new URL(request.url)) ? imageApp() : siteApp())).app.fetch(request);
    // A page is asked of the pages part directly, without a Request and a Response (app.ts `page`).
    const render: RenderPage = async (urlPath) => ((await siteApp()).page?.(urlPath) ?? null);
    const renderDirectly = async (href: string) => {
      const url = new URL(href);
      const page = url.search ? null : await render(url.pathname);
      return page && answerOf(page.status ?? 200, page.contentType, page.body);
    };
    const work: PageWork = new Map();
    const { debug, dev, pagesDir, templatesDir, staticDir } = settings;
    const memo = cache && pageMemo({ cache, pages, templatePages: [`/${NOT_FOUND_PAGE}`], pagesDir, staticDir, renderSettings: { debug, dev, pagesDir, templatesDir, staticDir, timeZone: localTimeZone() }, siteUrl: settings.siteUrl, work, pageText: pageIndex.text }, fetch, render);
    // The pages not built keep their entries, for the next build.
    if (delta || names.length > 0) cache?.keepUnread();
    let crawled: Crawl | undefined;
    let touched: string[] | null = null;
    const only = delta ? new Set(delta.plan.urls) : null;
    const summary = await buildSite({
      fetch: cache && memo ? cachingFetch(cache, memo.fetch, isPureImage) : fetch,
      answer: memo ? (only ? unaffectedPages(new Set(pages.map((page) => page.url)), only, memo.answer) : memo.answer) : renderDirectly,
      cache,
      pages: only ? [...only] : pages.filter((page) => names.length === 0 || names.includes(page.slug)).map((page) => page.url),
      locate: (urlPath) => (urlPath.startsWith('/static/') ? findStaticFile(settings.staticDir, urlPath.slice('/static'.length)) : null),
      staticDir: settings.staticDir,
      buildDir,
      siteOrigin,
      basePath,
      incremental: names.length > 0 || Boolean(delta),
      notFound: delta?.plan.notFound,
      liveFiles: delta?.last.output,
      keptPolicy: delta && ((file) => recordedPolicy(delta.last.pages, file)),
      search: delta ? delta.last.summary.searchIndexed > 0 : undefined,
      onCrawl: (crawl) => {
        if (delta) assertSameGenerated(delta.last.pages, crawl);
        crawled = crawl;
      },
      onPublished: (files) => (touched = files),
      progress: createProgress(),
      nameFile: nameImage,
      work: memo ? work : undefined,
      sourceOf: createLinkSource(pages, settings.templatesDir),
    });
    const recorded = memo && crawled ? recordPages(delta?.last.pages ?? null, { pages, readsOf: memo.readsOf, collections }, crawled) : null;
    const clock = recorded ? clockOf(recorded) : [];
    if (delta) {
      // Of the whole site, as a full build counts it; the files are those this build wrote or found unchanged.
      const { pages: all, assets, images: drawn } = delta.last.summary;
      return { summary: { ...summary, pages: all, reused: all - summary.rendered, assets, images: drawn }, notes: delta.last.notes, pages: recorded, clock, touched };
    }
    const note = siteOrigin ? null : absoluteUrlNote(pages, settings.port, pageIndex.text);
    return { summary, notes: note ? [note] : [], pages: recorded, clock, touched };
  } finally {
    if (site) await (await site).close();
    if (images) await (await images).close();
  }
}

/**
 * Building the affected pages: a page they link to that is not affected is
 * answered as the HTML page it was (the crawl only needs to know it is
 * one), without a look in the cache.
 */
function unaffectedPages(pageUrls: ReadonlySet<string>, affected: ReadonlySet<string>, answer: NonNullable<CrawlOptions['answer']>): NonNullable<CrawlOptions['answer']> {
  return (href, accept) => {
    const url = new URL(href);
    if (!url.search && url.pathname.endsWith('/') && pageUrls.has(url.pathname) && !affected.has(url.pathname)) {
      return { status: 200, location: null, contentType: 'text/html; charset=utf-8', text: async () => '', bytes: async () => Buffer.alloc(0) };
    }
    return answer(href, accept);
  };
}

try {
  const started = performance.now();
  // Settings: the app as it runs in production, answering requests for localhost only.
  const secretKey = randomBytes(32).toString('hex');
  const settingsOf = (services: string) =>
    loadSettings({ ...process.env, DEBUG: 'off', SECRET_KEY: secretKey, SERVICES: services, ALLOWED_HOSTS: 'localhost', TRUST_PROXY: 'off' });
  const settings = settingsOf('pages');
  const buildDir = buildDirFrom(process.env);
  const siteOrigin = siteOriginFrom(process.env);
  const basePath = basePathFrom(process.env);
  const names = process.argv.slice(2);
  assertPagesFolder(settings.pagesDir);

  // A full build over the last one, with nothing changed since (last-build.ts), has nothing to do.
  const cacheDir = buildCacheDirFrom(process.env, ROOT);
  const { secretKey: _random, services: _pages, ...shaping } = settings;
  const last = cacheDir
    ? lastBuild<SitePages>({
        cacheDir,
        buildDir,
        inputs: [settings.pagesDir, settings.templatesDir, settings.staticDir, ...['src', 'app.ts', 'build.ts', 'package-lock.json'].map((file) => path.join(ROOT, file))],
        settings: [shaping, siteOrigin ?? null, basePath, localTimeZone()],
      })
    : null;
  const full = names.length === 0;
  const unchanged = full && last ? last.unchanged() : null;
  if (unchanged) {
    const { summary, notes } = unchanged;
    const seconds = (performance.now() - started) / 1000;
    console.log(formatSummary({ ...summary, rendered: 0, reused: summary.pages, bytes: { ...summary.bytes, unchanged: summary.bytes.files }, seconds }));
    console.log('  Nothing changed since the last build: every file of it was left as it was.');
    for (const note of notes) console.warn(note);
  } else {
    // Only some files edited: build only the pages they affect (delta.ts), else everything.
    const { FullBuildNeeded, planDelta } = await import('./src/publish/delta.ts');
    const changes = full && last ? last.changes() : null;
    const plan = changes && planDelta(changes, { pagesDir: settings.pagesDir, templatesDir: settings.templatesDir, readFile: (file) => readFileSync(file, 'utf8') });
    last?.forget();
    const options = { settingsOf, buildDir, siteOrigin, basePath, names };
    let built: Built | null = null;
    let whole: Summary | null = null;
    if (plan) {
      try {
        built = await build({ ...options, delta: { plan, last: changes! } });
        // The record's summary is of the whole site, as a rebuild with nothing changed says it.
        whole = { ...changes!.summary, searchIndexed: built.summary.searchIndexed, headers: built.summary.headers };
      } catch (err) {
        // A page no longer at its URL, other generated files, or an error the full build will report with all it knows.
        if (!(err instanceof FullBuildNeeded || err instanceof BuildError || err instanceof RenderError)) throw err;
      }
    }
    built ??= await build(options);
    const { summary, notes, pages, clock, touched } = built;
    console.log(formatSummary({ ...summary, seconds: (performance.now() - started) / 1000 }));
    for (const note of notes) console.warn(note);
    if (last && full) last.remember(whole ?? summary, notes, pages, clock, touched);
  }
} catch (err) {
  if (!(err instanceof BuildError || err instanceof SettingsError || err instanceof RenderError)) throw err;
  console.error(err.message);
  process.exitCode = 1;
}
