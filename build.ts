// `npm run build`: publish the prototype pages as a static site (book
// chapter 3). The app renders every page in-process, with DEBUG off, as the
// book's build command uses Django's test client; src/publish/ crawls what it
// answers into BUILD_DIR, with hashed assets, precompressed files and a check
// of every link.
//
//   npm run build                   every page in pages/, into _build/
//   npm run build -- index pricing  just these pages, in place
//   BUILD_DIR=public SITE_URL=https://example.com npm run build
import { randomBytes } from 'node:crypto';
import { createApp, RESERVED_PREFIXES } from './app.ts';
import { buildDirFrom, siteOriginFrom } from './src/publish/config.ts';
import type { NameFile } from './src/publish/names.ts';
import { BuildError } from './src/publish/errors.ts';
import { assertSafeBuildDir } from './src/publish/output.ts';
import { createProgress, formatSummary } from './src/publish/report.ts';
import { buildSite } from './src/publish/site.ts';
import { listPages, RenderError } from './src/pages/index.ts';
import { IMAGE_PREFIX, parsePlaceholderUrl } from './src/placeholder/grammar.ts';
import { loadSettings, ROOT, SettingsError } from './src/settings.ts';
import { findStaticFile } from './src/static.ts';

/** Placeholder images are named by their canonical parameters: /image/300x200/ is image/300x200.png. */
const nameImage: NameFile = (url) => {
  if (!url.pathname.startsWith(`${IMAGE_PREFIX}/`)) return null;
  const parsed = parsePlaceholderUrl(url.pathname + url.search);
  return parsed.ok ? `${IMAGE_PREFIX.slice(1)}/${parsed.image.fileName}` : null;
};

/** The app logs every request; a build shows only its errors. */
const appLog = (line: string) => {
  if (line.startsWith('ERROR')) console.error(line);
};

try {
  // Settings: the app as it runs in production, answering requests for localhost only.
  const settings = loadSettings({
    ...process.env,
    DEBUG: 'off',
    SECRET_KEY: randomBytes(32).toString('hex'),
    SERVICES: 'placeholder,pages',
    ALLOWED_HOSTS: 'localhost',
    TRUST_PROXY: 'off',
  });
  const buildDir = buildDirFrom(process.env);
  const siteOrigin = siteOriginFrom(process.env);
  const names = process.argv.slice(2);

  // Validation: named pages must exist, and BUILD_DIR must be safe to replace.
  const pages = listPages(settings.pagesDir, RESERVED_PREFIXES);
  const invalid = names.filter((name) => !pages.some((page) => page.slug === name));
  if (invalid.length > 0) throw new BuildError(`Invalid pages: ${invalid.join(', ')}`);
  assertSafeBuildDir(buildDir, { project: ROOT, sources: [settings.pagesDir, settings.templatesDir, settings.staticDir] });

  // The build.
  const lightweight = await createApp(settings, appLog);
  try {
    const summary = await buildSite({
      fetch: (request) => lightweight.app.fetch(request),
      pages: pages.filter((page) => names.length === 0 || names.includes(page.slug)).map((page) => page.url),
      locate: (urlPath) => (urlPath.startsWith('/static/') ? findStaticFile(settings.staticDir, urlPath.slice('/static'.length)) : null),
      staticDir: settings.staticDir,
      buildDir,
      siteOrigin,
      incremental: names.length > 0,
      progress: createProgress(),
      nameFile: nameImage,
    });
    console.log(formatSummary(summary));
  } finally {
    await lightweight.close();
  }
} catch (err) {
  if (!(err instanceof BuildError || err instanceof SettingsError || err instanceof RenderError)) throw err;
  console.error(err.message);
  process.exitCode = 1;
}
