// The build's own settings, from the environment: where the site goes
// (BUILD_DIR), where it will be served (SITE_URL) and its cache (BUILD_CACHE). build.ts and the
// preview server read them here, so both agree on the folder.
import path from 'node:path';
import { ROOT } from '../settings.ts';
import { BuildError } from './errors.ts';

type Env = Record<string, string | undefined>;

/** BUILD_DIR, default _build, relative to the project like the other folders. */
export const buildDirFrom = (env: Env): string => path.resolve(ROOT, env.BUILD_DIR?.trim() || '_build');

/**
 * SITE_URL's origin (https://example.com), or undefined when unset. The site
 * links root-relative, so it must be served at the root of that origin.
 */
export function siteOriginFrom(env: Env): string | undefined {
  const value = env.SITE_URL?.trim();
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new BuildError(`SITE_URL must be an absolute URL such as https://example.com (got "${value}").`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new BuildError(`SITE_URL must start with https:// or http:// (got "${value}").`);
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    throw new BuildError(`SITE_URL must be the site's origin only, such as ${url.origin} (got "${value}"): the site's links start at its root.`);
  }
  return url.origin;
}

/** The folder of the build cache, or null when BUILD_CACHE=off; without opening it (that reads the builder's code). */
export function buildCacheDirFrom(env: Env, root: string): string | null {
  const value = (env.BUILD_CACHE ?? 'on').trim().toLowerCase();
  if (value === 'off') return null;
  if (value !== 'on' && value !== '') throw new BuildError(`BUILD_CACHE must be on or off (got "${env.BUILD_CACHE}").`);
  return path.join(root, 'node_modules/.cache/lightweight/build');
}
