// The file each kind of response becomes in the built site, and the static
// files a full build publishes whether or not a page references them.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { safeSegments } from '../safe-path.ts';
import { CONTENT_TYPES, contentTypeOf } from '../static.ts';
import { contentHash } from './assets.ts';
import { STATIC_PREFIX, urlOfFile } from './urls.ts';

/** Names a generated (non-HTML, non-static) response's file, e.g. image/300x200.png; null to use the default. */
export type NameFile = (url: URL, contentType: string) => string | null;

const EXTENSIONS = new Map<string, string>();
for (const [ext, type] of Object.entries(CONTENT_TYPES)) {
  const base = type.split(';')[0]!;
  if (!EXTENSIONS.has(base)) EXTENSIONS.set(base, ext);
}

/**
 * The default file of a generated response: its path, with the extension
 * its Content-Type calls for and, for a query, a hash of it so variants
 * differ. Null for a path no file can have.
 */
export function generatedFile(url: URL, contentType: string): string | null {
  const segments = safeSegments(url.pathname);
  if (!segments) return null;
  const name = segments.length ? segments.join('/') : 'index';
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const own = path.posix.extname(name);
  const keepsExtension = own !== '' && contentTypeOf(name).split(';')[0] === type;
  const stem = keepsExtension ? name.slice(0, -own.length) : name;
  const variant = url.search ? `-${contentHash(url.search)}` : '';
  return stem + variant + (keepsExtension ? own : (EXTENSIONS.get(type) ?? ''));
}

/** File and URL of a page: /pricing/ (and /pricing) is pricing/index.html, /a.html stays a.html. */
export function pageFile(segments: string[]): { file: string; url: string } {
  const last = segments.at(-1);
  const file = last && /\.html?$/i.test(last) ? segments.join('/') : [...segments, 'index.html'].join('/');
  return { file, url: urlOfFile(file) };
}

/** URL keys of every file in the static folder, referenced or not; none without one (a link to one is then reported broken). */
export function staticKeys(staticDir: string): string[] {
  if (!existsSync(staticDir)) return [];
  const keys: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue; // never served (see safeSegments)
      const url = prefix + encodeURIComponent(entry.name);
      if (entry.isDirectory()) walk(path.join(dir, entry.name), `${url}/`);
      else if (entry.isFile()) keys.push(url);
    }
  };
  walk(staticDir, STATIC_PREFIX);
  return keys.sort();
}
