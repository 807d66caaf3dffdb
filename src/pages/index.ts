// Prototype pages (book chapter 3): every pages/<slug>.html (nunjucks) or
// pages/<slug>.md (nunjucks, then Markdown) is rendered inside
// templates/page.html and served at /<slug>/ (pages/index.* at /); a
// pages/<folder>/[<name>].* is rendered once per entry of a data list (see
// files.ts). Under `npm run dev`, open tabs reload on changes.
//
//   GET /__reload        live-reload event stream (dev only)
//   GET /<slug>/         the page; /<slug> answers 301 to /<slug>/
//   GET /<name>.xml      a text page (.xml, .json, .txt), with its type
//   anything else        404 (listing the pages in DEBUG)
import { statSync } from 'node:fs';
import path from 'node:path';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { errorPage, escapeHtml, notFound, prefersHtml } from '../http.ts';
import type { PartContext } from '../part.ts';
import { safeSegments } from '../safe-path.ts';
import { errorExcerptHtml } from './excerpt.ts';
import { createPageIndex, INDEX_SLUG, isReserved, NOT_FOUND_PAGE, type PageIndex, type PageInfo } from './files.ts';
import { createLiveReload, injectLiveReload, LIVE_RELOAD_PATH } from './live-reload.ts';
import { createPageChecker, describeProblem, injectDraftNote, injectProblemsBadge } from './problems.ts';
import { contentTypeOf } from '../static.ts';
import { noteRead } from './reads.ts';
import { createPageRenderer, RenderError, type PagePictures } from './render.ts';

export { listPages, pageUrl, type PageInfo } from './files.ts';
export { RenderError } from './render.ts';

/** A page as the route answers a GET of its URL: its type and body; 404 for the site's 404 page. */
export interface PageAnswer {
  status?: 404;
  contentType: string;
  body: string;
}

/** Where a URL path leads among the pages. */
type Located =
  | { kind: 'reserved' }
  | { kind: 'missing' }
  /** A page whose metadata cannot be read, or that cannot be told apart from another. */
  | { kind: 'broken'; error: RenderError }
  /** A page, asked for at another spelling of its URL (no trailing slash, empty segments). */
  | { kind: 'moved'; page: PageInfo; canonical: string }
  | { kind: 'page'; page: PageInfo };

const HTML_TYPE = 'text/html; charset=UTF-8';

/** `pictures`: responsive images (src/images/), whose renditions app.ts serves. `made`: the table of pages, made already (see app.ts AppOptions). */
export async function createPages(
  { settings, log }: PartContext,
  reservedPrefixes: string[],
  pictures: PagePictures,
  made?: PageIndex,
): Promise<{ routes: Hono; answer(urlPath: string): Promise<PageAnswer | null>; close(): Promise<void> }> {
  if (made && (settings.debug || settings.dev)) throw new Error('A table of pages made beforehand is read once and has no drafts: not for DEBUG or dev.');
  const index = made ?? createPageIndex(settings.pagesDir, { cached: !(settings.debug || settings.dev), drafts: settings.dev });
  const renderer = createPageRenderer(settings, index, pictures);
  const reserved = [...reservedPrefixes, LIVE_RELOAD_PATH];
  const liveReload = settings.dev ? createLiveReload({ pagesDir: settings.pagesDir, reload: [settings.templatesDir], staticDir: settings.staticDir }, log) : null;
  const withLiveReload = (html: string) => (liveReload ? injectLiveReload(html) : html);
  // While working (npm run dev), each page is checked as the build will check it.
  const checkPage = settings.dev ? createPageChecker({ index, staticDir: settings.staticDir, templatesDir: settings.templatesDir, reservedPrefixes: reserved }) : null;
  /** Problems already printed in the terminal: each is printed once. */
  const printed = new Set<string>();
  const withProblems = (page: PageInfo, html: string): string => {
    if (!checkPage) return html;
    const problems = checkPage(page, html);
    for (const problem of problems) {
      const line = describeProblem(problem);
      if (!printed.has(line)) log(line);
      printed.add(line);
    }
    return injectProblemsBadge(html, problems);
  };

  /** HTML for browsers, `{"detail", ...}` JSON for everyone else. */
  const answer = async (c: Context, status: ContentfulStatusCode, html: () => string | Promise<string>, json: Record<string, unknown>) => {
    c.header('Cache-Control', 'no-store');
    return prefersHtml(c) ? c.html(withLiveReload(await html()), status) : c.json(json, status);
  };

  /**
   * Whether the site has a 404 page of its own, templates/404.html; without one, the plain page is its 404 page. Noted
   * as read either way: a build's 404 page kept without the template is made again once there is one.
   */
  const hasNotFoundTemplate = () => {
    const file = path.join(settings.templatesDir, NOT_FOUND_PAGE);
    noteRead('files', file);
    return statSync(file, { throwIfNoEntry: false })?.isFile() === true;
  };
  const renderNotFound = (detail: string, pages: PageInfo[]) => renderer.renderTemplate(NOT_FOUND_PAGE, { detail, pages, debug: settings.debug });
  const plainNotFound = (detail: string, pages: PageInfo[]) => {
    const list = pages.map((p) => `<li><a href="${escapeHtml(p.url)}">${escapeHtml(p.url)}</a></li>`).join('');
    return errorPage(404, detail, settings.debug && list ? `<p>Pages that exist:</p><ul>${list}</ul>` : '');
  };

  /** The 404 page's HTML: templates/404.html, else a plain page (naming what went wrong with the template, if it failed). */
  const notFoundHtml = async (detail: string, pages: PageInfo[]): Promise<string> => {
    if (!hasNotFoundTemplate()) return plainNotFound(detail, pages);
    try {
      return await renderNotFound(detail, pages);
    } catch (err) {
      // A broken layout must not hide the 404 behind a 500; say both.
      log(`ERROR rendering templates/404.html: ${err instanceof Error ? err.message : String(err)}`);
      return plainNotFound(detail, pages);
    }
  };
  /** A static host serves the built 404 page for every missing URL: it names none. */
  const SITE_NOT_FOUND = 'There is no page at this address.';

  const pageNotFound = (c: Context) => {
    const detail = c.req.path === `/${NOT_FOUND_PAGE}` ? SITE_NOT_FOUND : `There is no page at ${c.req.path}.`;
    let pages: PageInfo[] = [];
    try {
      if (settings.debug) pages = index.list(reserved);
    } catch (err) {
      // The page that cannot be listed shows its error where it is served; the 404 still lists what it can.
      if (!(err instanceof RenderError)) throw err;
    }
    const json = settings.debug ? { detail, pages: pages.map((p) => p.url) } : { detail };
    return answer(c, 404, () => notFoundHtml(detail, pages), json);
  };

  const renderFailed = (c: Context, err: RenderError) => {
    log(`ERROR ${c.req.method} ${c.req.path}: ${err.message}`);
    if (!settings.debug) {
      const detail = 'Something went wrong on our side. The error has been logged.';
      return answer(c, 500, () => errorPage(500, detail), { detail });
    }
    const json = { detail: err.message, file: err.file, line: err.line, column: err.column };
    return answer(c, 500, () => errorPage(500, `Page error: ${err.reason}`, errorExcerptHtml(err)), json);
  };

  const locate = (rawPath: string): Located => {
    if (isReserved(rawPath, reserved)) return { kind: 'reserved' };
    const segments = safeSegments(rawPath);
    if (!segments) return { kind: 'missing' };
    if (segments.length === 0) segments.push(INDEX_SLUG);
    let found: PageInfo | null;
    try {
      found = index.find(segments);
    } catch (err) {
      if (err instanceof RenderError) return { kind: 'broken', error: err };
      throw err;
    }
    if (!found) return { kind: 'missing' };
    const slug = segments.join('/');
    // One URL per page: with its trailing slash (a text page without), without empty segments, / for the index.
    const path = rawPath.split('/').filter(Boolean).join('/');
    const canonical = slug === INDEX_SLUG ? '/' : found.url.endsWith('/') ? `/${path}/` : `/${path}`;
    return rawPath === canonical ? { kind: 'page', page: found } : { kind: 'moved', page: found, canonical };
  };

  /** The body and type the route sends for `page`, rendered as `html`. A text page (feed.xml) is served as its file would be, with its type. */
  const served = (page: PageInfo, html: string): PageAnswer =>
    page.url.endsWith('/')
      ? { contentType: HTML_TYPE, body: withLiveReload(withProblems(page, page.draft ? injectDraftNote(html) : html)) }
      : { contentType: contentTypeOf(page.file), body: html };

  const page = async (c: Context) => {
    const url = new URL(c.req.url);
    const at = locate(url.pathname);
    if (at.kind === 'reserved') return notFound(c);
    if (at.kind === 'missing') return pageNotFound(c);
    if (at.kind === 'broken') return renderFailed(c, at.error);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const detail = `${c.req.path} is a page: it answers GET and HEAD only.`;
      c.header('Allow', 'GET, HEAD');
      return answer(c, 405, () => errorPage(405, detail), { detail });
    }
    if (at.kind === 'moved') return c.redirect(at.canonical + url.search, 301);
    let html: string;
    try {
      html = await renderer.renderPage(at.page);
    } catch (err) {
      if (err instanceof RenderError) return renderFailed(c, err);
      throw err;
    }
    c.header('Cache-Control', 'no-cache');
    const { contentType, body } = served(at.page, html);
    return c.body(body, 200, { 'Content-Type': contentType });
  };

  const routes = new Hono();
  if (liveReload) routes.get(LIVE_RELOAD_PATH, (c) => liveReload.events(c));
  routes.all('*', page);

  return {
    routes,
    /**
     * What the route answers a GET of `urlPath` with, when that is a page's
     * own URL and the page renders, without a Request or a Response (the
     * build asks this first, for every page), and of /404.html without
     * DEBUG, the page a static host serves for every missing URL (a broken
     * templates/404.html throws its error). Null for anything else: the route
     * answers it (a redirect, a 404, an error page, and its log line).
     */
    async answer(urlPath) {
      // A build publishes the 404 page the templates make, or fails with their error: never the plain page in its place.
      if (urlPath === `/${NOT_FOUND_PAGE}` && !settings.debug && !liveReload) {
        return { status: 404, contentType: HTML_TYPE, body: hasNotFoundTemplate() ? await renderNotFound(SITE_NOT_FOUND, []) : plainNotFound(SITE_NOT_FOUND, []) };
      }
      const at = locate(urlPath);
      if (at.kind !== 'page') return null;
      try {
        return served(at.page, await renderer.renderPage(at.page));
      } catch {
        return null; // the route answers a page that fails as it answers every failure: its log line, its error page
      }
    },
    close: async () => liveReload?.close(),
  };
}
