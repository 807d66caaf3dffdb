// Publishing under a subfolder (a GitHub Pages project site,
// https://user.github.io/project/): BASE_PATH=/project/ makes every URL the
// build writes start with it. The app renders root-absolute URLs as always;
// the crawl, which rewrites every reference anyway, puts the prefix in front
// (underBasePath), and the link check and preview take it off again
// (withinBasePath) to find the file, as the host will.
import { safeSegments } from '../safe-path.ts';
import { BuildError } from './errors.ts';

type Env = Record<string, string | undefined>;

/** The site served at the root. */
export const ROOT_PATH = '/';

/** BASE_PATH as "/project/" (slashes added), "/" when unset; a value that is no plain path is refused. */
export function basePathFrom(env: Env): string {
  const value = env.BASE_PATH?.trim() ?? '';
  if (value === '' || value === '/') return ROOT_PATH;
  const segments = /^[^?#\s]*$/.test(value) ? safeSegments(value) : null;
  if (!segments || segments.length === 0 || /^[a-z][a-z\d+.-]*:/i.test(value)) {
    throw new BuildError(`BASE_PATH must be the path the site is served under, such as /project/ (got "${value}").`);
  }
  return `/${segments.map(encodeURIComponent).join('/')}/`;
}

/** A root-absolute URL path of the site ("/pricing/") as served under the base path ("/project/pricing/"). */
export const underBasePath = (basePath: string, url: string): string => (basePath === ROOT_PATH || !url.startsWith('/') ? url : basePath + url.slice(1));

/** The site's own path ("/pricing/") of a path served under the base path, or null for a path outside it. */
export function withinBasePath(basePath: string, pathname: string): string | null {
  if (basePath === ROOT_PATH) return pathname;
  if (pathname === basePath.slice(0, -1)) return '/';
  return pathname.startsWith(basePath) ? `/${pathname.slice(basePath.length)}` : null;
}
