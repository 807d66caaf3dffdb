// Which references are internal, the one name ("key") the crawl knows each
// internal URL by, and how URLs and files of the built site map onto each
// other the way a static host maps them.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { safeSegments } from '../safe-path.ts';

/** The origin the build requests the app at (Host `localhost` is allowed by default). */
export const APP_ORIGIN = 'http://localhost';

export const STATIC_PREFIX = '/static/';

export interface InternalUrl {
  /** What the crawl fetches and remembers: path plus query (static files ignore the query). */
  key: string;
  /** Query and fragment as written, to keep where they still mean something. */
  search: string;
  hash: string;
  /** Written as an absolute URL (http://localhost/... or the SITE_URL origin). */
  absolute: boolean;
}

export const isStaticPath = (pathname: string): boolean => pathname.startsWith(STATIC_PREFIX);

/**
 * The internal URL a reference on the page at `base` (an absolute URL)
 * points to, or null for external URLs, other schemes (data:, mailto:) and
 * links within the same page.
 */
export function resolveInternal(reference: string, base: string, siteOrigin?: string): InternalUrl | null {
  const ref = reference.trim();
  if (ref === '' || ref.startsWith('#')) return null;
  let url: URL;
  try {
    url = new URL(ref, base);
  } catch {
    return null;
  }
  const absolute = /^[a-zA-Z][a-zA-Z\d+.-]*:|^\/\//.test(ref);
  if (url.origin !== APP_ORIGIN && url.origin !== siteOrigin) return null;
  const key = isStaticPath(url.pathname) ? url.pathname : url.pathname + url.search;
  return { key, search: url.search, hash: url.hash, absolute };
}

/**
 * resolveInternal for one build, remembering root-relative references
 * ("/pricing/", "/static/css/site.css"): they resolve alike on every page of
 * the app, and every page repeats most of them (its layout, its navigation)
 * in each of the three passes over it: following, rewriting and checking.
 */
export function createResolver(siteOrigin?: string): (reference: string, base: string) => InternalUrl | null {
  const rootRelative = new Map<string, InternalUrl | null>();
  return (reference, base) => {
    // From the root ("/x"), or from the scheme ("//host/x"): only the base's origin counts, and it is the app's.
    if (!/^\s*[/\\]/.test(reference) || !base.startsWith(`${APP_ORIGIN}/`)) return resolveInternal(reference, base, siteOrigin);
    let target = rootRelative.get(reference);
    if (target === undefined) rootRelative.set(reference, (target = resolveInternal(reference, base, siteOrigin)));
    return target;
  };
}

/** Absolute URL of a key, for requests and as the base of the references in its body. */
export const appUrl = (key: string): string => APP_ORIGIN + key;

/** The URL path a static host serves a file of the site at (x/index.html at x/). */
export function urlOfFile(file: string): string {
  const url = '/' + file.split('/').map(encodeURIComponent).join('/');
  return url.endsWith('/index.html') ? url.slice(0, -'index.html'.length) : url;
}

/**
 * The file of a site a URL path names, as a static host finds it (x/ and x
 * are x/index.html): in the folder `site`, or among the files `site` says it has.
 */
export async function fileOfUrl(site: string | ((file: string) => boolean), pathname: string): Promise<string | null> {
  const segments = safeSegments(pathname);
  if (!segments) return null;
  const candidates = pathname.endsWith('/') ? [[...segments, 'index.html']] : [segments, [...segments, 'index.html']];
  for (const candidate of candidates) {
    const file = candidate.join('/');
    if (typeof site === 'function' ? site(file) : (await stat(path.join(site, ...candidate)).catch(() => null))?.isFile()) return file;
  }
  return null;
}
