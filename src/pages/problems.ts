// Under `npm run dev`, each rendered page is checked as the build checks the
// site: a link to a page or static file that does not exist, an <img>
// without alt, a placeholder URL the service would refuse. The page still
// renders; its tab shows a small, dismissible problems badge listing the
// file, line and URL of each (and the terminal prints each once). The build
// keeps failing on them.
import path from 'node:path';
import { escapeHtml } from '../http.ts';
import { IMAGE_PREFIX, parsePlaceholderUrl } from '../placeholder/grammar.ts';
import { htmlUrls } from '../publish/html.ts';
import { safeSegments } from '../safe-path.ts';
import { findStaticFile } from '../static.ts';
import { INDEX_SLUG, isReserved, type PageIndex, type PageInfo } from './files.ts';
import { RenderError } from './page-error.ts';
import { createSourceFinder } from './source-line.ts';

export interface PageProblem {
  /** Where the URL is written: "pages/pricing.html", "templates/base.html". */
  file: string;
  line: number | null;
  url: string;
  reason: string;
}

const STATIC_PREFIX = '/static/';
/** Stands for the site's own origin while references are resolved: links elsewhere are not checked. */
const SITE_ORIGIN = 'http://site.invalid';

interface CheckerOptions {
  index: PageIndex;
  staticDir: string;
  templatesDir: string;
  /** URL prefixes other parts serve (their URLs are theirs to answer). */
  reservedPrefixes: readonly string[];
}

export function createPageChecker({ index, staticDir, templatesDir, reservedPrefixes }: CheckerOptions): (page: PageInfo, html: string) => PageProblem[] {
  const others = reservedPrefixes.filter((prefix) => prefix !== IMAGE_PREFIX && `${prefix}/` !== STATIC_PREFIX);

  /** Why a URL on the page leads nowhere, or null when it leads somewhere (or elsewhere: another site, another part). */
  const brokenBecause = (reference: string, base: string): string | null => {
    let url: URL;
    try {
      url = new URL(reference, base);
    } catch {
      return 'not a URL a browser can follow';
    }
    if (url.origin !== SITE_ORIGIN || reference.trim().startsWith('#')) return null;
    const pathname = url.pathname;
    if (pathname.startsWith(`${IMAGE_PREFIX}/`)) {
      const parsed = parsePlaceholderUrl(pathname + url.search);
      return parsed.ok ? null : `the placeholder service would refuse it: ${parsed.detail}`;
    }
    if (pathname.startsWith(STATIC_PREFIX)) {
      return findStaticFile(staticDir, pathname.slice(STATIC_PREFIX.length - 1)) ? null : `there is no file ${path.basename(staticDir)}/${decodeURIComponent(pathname.slice(STATIC_PREFIX.length))}`;
    }
    if (isReserved(pathname, others)) return null;
    const segments = safeSegments(pathname);
    if (!segments) return 'not a path a page can have';
    try {
      return index.find(segments.length ? segments : [INDEX_SLUG]) ? null : `there is no page at ${pathname}`;
    } catch (err) {
      if (err instanceof RenderError) return null; // that page shows its own error
      throw err;
    }
  };

  return (page, html) => {
    const base = SITE_ORIGIN + page.url;
    const find = createSourceFinder(templatesDir);
    const problems: PageProblem[] = [];
    const seen = new Set<string>();
    const note = (url: string, reason: string) => {
      const key = `${url}\0${reason}`;
      if (seen.has(key)) return;
      seen.add(key);
      problems.push({ ...find(page, url), url, reason });
    };
    for (const url of htmlUrls(html)) {
      const why = brokenBecause(url, base);
      if (why) note(url, why);
    }
    for (const src of imagesWithoutAlt(html)) note(src, MISSING_ALT);
    return problems;
  };
}

export const MISSING_ALT = 'an <img> without alt: say what it shows, or alt="" when it is decoration';

/** The src of every <img> without an alt attribute (outside comments, scripts and styles). */
export function imagesWithoutAlt(html: string): string[] {
  const markup = html.replace(/<!--[\s\S]*?-->|<(script|style|template|textarea)\b[\s\S]*?<\/\1\s*>/gi, '');
  const found: string[] = [];
  for (const [tag] of markup.matchAll(/<img\b(?:[^>"']|"[^"]*"|'[^']*')*>/gi)) {
    if (/\salt(?:\s*=|[\s/>])/i.test(tag)) continue;
    found.push(/\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(tag)?.slice(1).find((v) => v !== undefined) ?? '(no src)');
  }
  return found;
}

/** The problems badge, before the page's closing </body>: a non-modal <dialog> that its own button closes, no script needed. */
export function injectProblemsBadge(html: string, problems: readonly PageProblem[]): string {
  if (problems.length === 0) return html;
  const items = problems
    .map((p) => `<li><code>${escapeHtml(p.file)}${p.line ? `, line ${p.line}` : ''}</code>: <code>${escapeHtml(p.url)}</code>: ${escapeHtml(p.reason)}</li>`)
    .join('');
  const title = `${problems.length} problem${problems.length === 1 ? '' : 's'} on this page`;
  const badge =
    `<dialog open class="lw-problems" aria-labelledby="lw-problems-title">` +
    `<details><summary id="lw-problems-title">${title}</summary><ul>${items}</ul></details>` +
    `<form method="dialog"><button type="submit" aria-label="Dismiss the problems badge">×</button></form>` +
    `</dialog>`;
  // Its stylesheet goes in the head, where a <style> belongs.
  return insertBefore(insertBefore(html, '</head>', `<style>${BADGE_CSS}</style>`, 'first'), '</body>', badge, 'last');
}

/**
 * A draft (draft: true) as `npm run dev` shows it: a note in the corner
 * (bottom left; the problems badge is bottom right) saying it is left out of
 * the build and of collections.
 */
export function injectDraftNote(html: string): string {
  // A landmark of its own, so no content sits outside one.
  const note = '<aside class="lw-draft" aria-label="Draft"><p><strong>Draft.</strong> This page has <code>draft: true</code>: <code>npm run dev</code> shows it, the build and collections leave it out.</p></aside>';
  return insertBefore(insertBefore(html, '</head>', `<style>${DRAFT_CSS}</style>`, 'first'), '</body>', note, 'last');
}

const DRAFT_CSS =
  '.lw-draft{position:fixed;inset:auto auto 1rem 1rem;z-index:2147483646;max-width:min(24rem,calc(100vw - 2rem));padding:.5rem .75rem;' +
  'border:2px solid #997404;border-radius:.5rem;background:#fff3cd;color:#523e02;font:14px/1.4 system-ui,sans-serif}' +
  '.lw-draft p{margin:0}.lw-draft code{color:#523e02}';

/** `html` with `text` before its first or last `tag` (at the end when there is none). */
function insertBefore(html: string, tag: string, text: string, which: 'first' | 'last'): string {
  const lower = html.toLowerCase();
  const at = which === 'first' ? lower.indexOf(tag) : lower.lastIndexOf(tag);
  return at === -1 ? html + text : html.slice(0, at) + text + html.slice(at);
}

const BADGE_CSS = [
  '.lw-problems{position:fixed;inset:auto 1rem 1rem auto;margin:0;z-index:2147483647;max-width:min(36rem,calc(100vw - 2rem));max-height:60vh;overflow:auto;',
  'align-items:flex-start;gap:.5rem;padding:.5rem .75rem;border:2px solid #842029;border-radius:.5rem;background:#fff;color:#1a1a1a;',
  'font:14px/1.4 system-ui,sans-serif;box-shadow:0 .25rem 1rem rgba(0,0,0,.25)}',
  // Only while open: a closed <dialog> keeps the browser's display: none.
  '.lw-problems[open]{display:flex}',
  '.lw-problems summary{cursor:pointer;font-weight:600;color:#842029;min-height:24px}',
  '.lw-problems ul{margin:.5rem 0 0;padding-left:1.25rem}.lw-problems code{color:#1a1a1a;word-break:break-all}',
  '.lw-problems form{margin:0}.lw-problems button{min-width:24px;min-height:24px;border:1px solid #6c757d;border-radius:.25rem;background:#fff;color:#1a1a1a;font-size:1rem;line-height:1;cursor:pointer}',
].join('');

/** One line for the terminal. */
export const describeProblem = (p: PageProblem): string => `problem: ${p.file}${p.line ? `, line ${p.line}` : ''}: ${p.url}: ${p.reason}`;
