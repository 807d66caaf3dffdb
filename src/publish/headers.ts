// How the built site is cached, and the `_headers` file that tells Netlify and
// Cloudflare Pages: hashed files (a new name for new bytes) immutable for a
// year, everything else (pages above all) revalidated on every visit, and on
// every response the security headers the app itself sends: the same
// Content-Security-Policy each page carries in its <meta> (plus
// frame-ancestors, which only a header can say), Cross-Origin-Resource-Policy
// (cross-origin only for images other sites embed) and HSTS, which browsers
// take over HTTPS alone. `npm run preview` serves the same Cache-Control.
import { existsSync, readFileSync } from 'node:fs';
import { contentSecurityPolicy, resourcePolicy, SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY } from '../security-policy.ts';
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

export interface HeadersFile {
  text: string;
  /** Its rules, the site-wide one included, and its longest line: what Cloudflare Pages limits. */
  rules: number;
  longestLine: number;
}

/**
 * `_headers` for the built files (paths relative to the site, "/" separated).
 * The hosts join the values of a header set by two matching rules, so no two
 * rules below the site-wide one overlap. A folder gets one rule (`/static/*`,
 * `/posts/*`) when every file under it takes the same: cached alike and none
 * a page, or all pages with one policy, the 404 page's (a missing page under
 * the folder is answered with the 404 page and the folder's headers); else
 * each file its own. Cloudflare Pages takes 100 rules: a site of many posts
 * has one rule for them all. Each rule carries what differs by file:
 * Cache-Control, Cross-Origin-Resource-Policy and, for a page, its
 * Content-Security-Policy (`policyOf`).
 */
export function headersFile(files: readonly string[], basePath: string, policyOf: (page: string) => string | undefined, notFoundPage: string): HeadersFile {
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
  const rules: Array<[pattern: string, cacheControl: string, contentPolicy?: string]> = [];
  // Each file is looked at once per folder above it: its Cache-Control and policy are worked out once.
  const remembered = <T>(of: (file: string) => T) => {
    const known = new Map<string, T>();
    return (file: string): T => {
      if (!known.has(file)) known.set(file, of(file));
      return known.get(file)!;
    };
  };
  const cacheControl = remembered(cacheControlOf);
  const policy = remembered(policyOf);
  const notFoundPolicy = files.includes(notFoundPage) ? policy(notFoundPage) : undefined;
  /** The Cache-Control and policy every one of `all` takes, or null. */
  const shared = (all: string[]): [string, string?] | null => {
    const control = cacheControl(all[0]!);
    if (all.some((file) => cacheControl(file) !== control)) return null;
    if (!all.some((file) => file.endsWith('index.html'))) return [control];
    const policies = new Set(all.map((file) => (file.endsWith('.html') ? policy(file) : null)));
    const [only] = policies;
    return policies.size === 1 && typeof only === 'string' && only === notFoundPolicy ? [control, only] : null;
  };
  const visit = (folder: Folder, prefix: string) => {
    const one = prefix ? shared(allFiles(folder)) : null;
    if (one) {
      rules.push([`${prefix}*`, ...one]);
      return;
    }
    for (const file of folder.files) rules.push([urlOfFile(file), cacheControl(file), file.endsWith('.html') ? policy(file) : undefined]);
    for (const [name, sub] of folder.folders) visit(sub, `${prefix || '/'}${encodeURIComponent(name)}/`);
  };
  visit(root, '');
  rules.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const security = [...SECURITY_HEADERS, ['Strict-Transport-Security', STRICT_TRANSPORT_SECURITY]].map(([name, value]) => `  ${name}: ${value}`).join('\n');
  const caching = rules
    .map(([pattern, cacheControl, contentPolicy]) =>
      [
        underBasePath(basePath, pattern),
        `  Cache-Control: ${cacheControl}`,
        `  Cross-Origin-Resource-Policy: ${resourcePolicy(pattern)}`,
        ...(contentPolicy ? [`  Content-Security-Policy: ${contentPolicy}`] : []),
      ].join('\n'),
    )
    .join('\n');
  const text = `# Response headers for Netlify and Cloudflare Pages, written by npm run build.\n${underBasePath(basePath, '/')}*\n${security}\n${caching}\n`;
  // A loop, not Math.max(...lines): a site of tens of thousands of pages has more lines than a call takes arguments.
  let longestLine = 0;
  for (const line of text.split('\n')) longestLine = Math.max(longestLine, line.length);
  return { text, rules: rules.length + 1, longestLine };
}

/** The header policy of a page already on disk (one a rebuild of named pages kept), from its bytes. */
export function policyOfBuiltPage(file: string): string | undefined {
  return existsSync(file) ? contentSecurityPolicy(readFileSync(file, 'utf8')) : undefined;
}

function allFiles(folder: Folder): string[] {
  return [...folder.files, ...[...folder.folders.values()].flatMap(allFiles)];
}
