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
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { basePathFrom } from './src/publish/base-path.ts';
import { buildCacheDirFrom } from './src/publish/cache.ts';
import { buildDirFrom, siteOriginFrom } from './src/publish/config.ts';
import { BuildError } from './src/publish/errors.ts';
import { lastBuild } from './src/publish/last-build.ts';
import type { Lightweight } from './app.ts';
import type { NameFile } from './src/publish/names.ts';
import type { PageWork, RenderPage } from './src/publish/page-memo.ts';
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

/** Pages that make absolute URLs (a feed) point them at this machine without SITE_URL: a note naming them, or null. */
function absoluteUrlNote(pages: Array<{ file: string; source: string }>, port: number): string | null {
  const absolute = pages.filter((page, i) => pages.findIndex((other) => other.file === page.file) === i && readFileSync(page.file, 'utf8').includes('absolute_url'));
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

interface BuildOptions {
  settingsOf: (services: string) => Settings;
  buildDir: string;
  siteOrigin: string | undefined;
  basePath: string;
  /** Pages named on the command line (a rebuild of just these), or none for the whole site. */
  names: string[];
}

/** The build itself; with the cache, what now() gave on its pages (so a rebuild knows whether it would write the same). */
async function build({ settingsOf, buildDir, siteOrigin, basePath, names }: BuildOptions): Promise<{ clock: string[] | null; notes: string[]; summary: Summary }> {
  const [{ createApp, RESERVED_PREFIXES }, { buildCacheFrom, cachingFetch }, { assertSafeBuildDir }, { createLinkSource }, { pageMemo }, { createProgress }, { buildSite, NOT_FOUND_PAGE }, { createPageIndex }, { IMAGE_PREFIX, parsePlaceholderUrl }, { findStaticFile }, { answerOf }] =
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
  // One table of pages, for the build and the app (read once, as the app reads it without DEBUG).
  const pageIndex = createPageIndex(settings.pagesDir, { cached: true });
  const pages = pageIndex.list(RESERVED_PREFIXES);
  const invalid = names.filter((name) => !pages.some((page) => page.slug === name));
  if (invalid.length > 0) throw new BuildError(`Invalid pages: ${invalid.join(', ')}`);
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
      return page && answerOf(200, page.contentType, page.body);
    };
    const work: PageWork = new Map();
    const { debug, dev, pagesDir, templatesDir, staticDir } = settings;
    const memo = cache && pageMemo({ cache, pages, templatePages: [`/${NOT_FOUND_PAGE}`], pagesDir, staticDir, renderSettings: { debug, dev, pagesDir, templatesDir, staticDir, timeZone: localTimeZone() }, siteUrl: settings.siteUrl, work }, fetch, render);
    const summary = await buildSite({
      fetch: cache && memo ? cachingFetch(cache, memo.fetch, isPureImage) : fetch,
      answer: memo ? memo.answer : renderDirectly,
      cache,
      pages: pages.filter((page) => names.length === 0 || names.includes(page.slug)).map((page) => page.url),
      locate: (urlPath) => (urlPath.startsWith('/static/') ? findStaticFile(settings.staticDir, urlPath.slice('/static'.length)) : null),
      staticDir: settings.staticDir,
      buildDir,
      siteOrigin,
      basePath,
      incremental: names.length > 0,
      progress: createProgress(),
      nameFile: nameImage,
      work: memo ? work : undefined,
      sourceOf: createLinkSource(pages, settings.templatesDir),
    });
    const note = siteOrigin ? null : absoluteUrlNote(pages, settings.port);
    return { summary, notes: note ? [note] : [], clock: memo ? memo.clockReads() : null };
  } finally {
    if (site) await (await site).close();
    if (images) await (await images).close();
  }
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

  // A full build over the last one, with nothing changed since (last-build.ts), has nothing to do.
  const cacheDir = buildCacheDirFrom(process.env, ROOT);
  const { secretKey: _random, services: _pages, ...shaping } = settings;
  const last = cacheDir
    ? lastBuild({
        cacheDir,
        buildDir,
        inputs: [settings.pagesDir, settings.templatesDir, settings.staticDir, ...['src', 'app.ts', 'build.ts', 'package-lock.json'].map((file) => path.join(ROOT, file))],
        settings: [shaping, siteOrigin ?? null, basePath, localTimeZone()],
      })
    : null;
  const unchanged = names.length === 0 && last ? last.unchanged() : null;
  if (unchanged) {
    const { summary, notes } = unchanged;
    const seconds = (performance.now() - started) / 1000;
    console.log(formatSummary({ ...summary, rendered: 0, reused: summary.pages, bytes: { ...summary.bytes, unchanged: summary.bytes.files }, seconds }));
    console.log('  Nothing changed since the last build: every file of it was left as it was.');
    for (const note of notes) console.warn(note);
  } else {
    last?.forget();
    const { summary, notes, clock } = await build({ settingsOf, buildDir, siteOrigin, basePath, names });
    console.log(formatSummary(summary));
    for (const note of notes) console.warn(note);
    if (last && clock && names.length === 0) last.remember(summary, notes, clock);
  }
} catch (err) {
  if (!(err instanceof BuildError || err instanceof SettingsError || err instanceof RenderError)) throw err;
  console.error(err.message);
  process.exitCode = 1;
}
