// How the built site is cached, and the `_headers` file that tells Netlify and
// Cloudflare Pages: hashed files (a new name for new bytes) immutable for a
// year, everything else (pages above all) revalidated on every visit, and on
// every response the security headers the app itself sends. `npm run preview`
// serves the same Cache-Control.
import { SECURITY_HEADERS } from '../http.ts';
import { parseRendition, RENDITIONS_PREFIX } from '../images/renditions.ts';
import { isHashedName } from './assets.ts';
import { underBasePath } from './base-path.ts';
import { urlOfFile } from './urls.ts';

export const HEADERS_FILE = '_headers';
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Unhashed files keep their name when they change: always revalidate (cheap, thanks to ETag). */
export const REVALIDATE = 'no-cache';

/** A file whose name changes with its bytes: a hashed asset, or a rendition (named by its digest). */
export function isImmutableFile(file: string): boolean {
  if (isHashedName(file)) return true;
  const segments = file.split('/');
  return `/${segments[0]}` === RENDITIONS_PREFIX && parseRendition(segments.slice(1)) !== null;
}

export const cacheControlOf = (file: string): string => (isImmutableFile(file) ? IMMUTABLE : REVALIDATE);

interface Folder {
  files: string[];
  folders: Map<string, Folder>;
}

/**
 * `_headers` for the built files (paths relative to the site, "/" separated).
 * The hosts join the values of a header set by two matching rules, so no two
 * Cache-Control rules overlap: a folder gets one rule (`/static/*`) when every
 * file under it is cached alike and none is a page, else each file its own.
 */
export function headersFile(files: readonly string[], basePath: string): string {
  const root: Folder = { files: [], folders: new Map() };
  for (const file of files) {
    if (file === HEADERS_FILE || /\.(gz|br)$/.test(file)) continue;
    const segments = file.split('/');
    let folder = root;
    for (const name of segments.slice(0, -1)) {
      if (!folder.folders.has(name)) folder.folders.set(name, { files: [], folders: new Map() });
      folder = folder.folders.get(name)!;
    }
    folder.files.push(file);
  }
  const rules: Array<[pattern: string, cacheControl: string]> = [];
  const visit = (folder: Folder, prefix: string) => {
    const all = allFiles(folder);
    const policies = new Set(all.map(cacheControlOf));
    if (prefix && policies.size === 1 && !all.some((file) => file.endsWith('index.html'))) {
      rules.push([`${prefix}*`, [...policies][0]!]);
      return;
    }
    for (const file of folder.files) rules.push([urlOfFile(file), cacheControlOf(file)]);
    for (const [name, sub] of folder.folders) visit(sub, `${prefix || '/'}${encodeURIComponent(name)}/`);
  };
  visit(root, '');
  rules.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const security = SECURITY_HEADERS.map(([name, value]) => `  ${name}: ${value}`).join('\n');
  const caching = rules.map(([pattern, value]) => `${underBasePath(basePath, pattern)}\n  Cache-Control: ${value}`).join('\n');
  return `# Response headers for Netlify and Cloudflare Pages, written by npm run build.\n${underBasePath(basePath, '/')}*\n${security}\n${caching}\n`;
}

function allFiles(folder: Folder): string[] {
  return [...folder.files, ...[...folder.folders.values()].flatMap(allFiles)];
}
