// The persistent build cache (node_modules/.cache/lightweight/build/): what
// a build makes from its inputs and can make again identically, kept from
// one build to the next, so a rebuild does not redo it. It holds
//   compressed  the .gz and .br of a hashed asset (made on the writer
//               threads; a page's are made again, see compress.ts),
//   bundle      a bundled, minified stylesheet or script,
//   response    a generated file the app answers the same for every time
//               (placeholder images),
//   page        a page's HTML as the app rendered it, under its inputs
//               (page-memo.ts),
//   links       the URLs a page's HTML references, under its bytes,
//   final       a page as written, its references rewritten, under its
//               HTML and what each reference became (crawl.ts); these
//               three in one pack file each (cache-pack.ts).
// It is content-addressed: an entry's key is a hash of every input it comes
// from (bytes, options, compressor settings) and of the builder's version
// (its code, its dependencies, Node's zlib), so a stale entry is never found.
// Entries are checked when read (cache-store.mjs); a damaged one is made
// again. BUILD_CACHE=off builds without it.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { openEntryPack, openPartialPack, type EntryPack } from './cache-pack.ts';
import { buildCacheDirFrom } from './config.ts';
import { entryFile, readEntry, writeEntry, writeEntrySoon } from './cache-store.mjs';
import { writeWhole } from './write-whole.mjs';

export type CacheKind = 'compressed' | 'bundle' | 'response' | 'page' | 'links' | 'final' | 'search';

export interface BuildCache {
  /** Where the entries are (the writer threads open it too). */
  dir: string;
  /** A hash of the builder's code and dependencies: part of every key. */
  version: string;
  /** The key of content made from `parts` by this builder. */
  key(kind: CacheKind, ...parts: Array<string | Buffer>): string;
  /** An intact entry's payload, or null. */
  get(kind: CacheKind, key: string): Buffer | null;
  /** Store an entry, in the background (see settled); a failed write only costs the entry. */
  put(kind: CacheKind, key: string, payload: Buffer): void;
  /** Resolves once every entry put is on disk (or failed). */
  settled(): Promise<void>;
  /** Before any entry is read, for a build of some pages: the packs keep the entries it does not read too (cache-pack.ts). */
  keepUnread(): void;
  stats: { hits: number; misses: number };
}

type Env = Record<string, string | undefined>;

/**
 * The cache of `npm run build` under the project, or null when BUILD_CACHE=off.
 * `site` names the sources built (their folders), so that building two sites
 * in turn does not make each forget the other's pages.
 */
export function buildCacheFrom(env: Env, root: string, site?: string): BuildCache | null {
  const dir = buildCacheDirFrom(env, root);
  // The version is kept beside the cache, not in it: it is of the builder's code, as the launcher's bundle beside it
  // is, and a build with the cache emptied would read the code again.
  return dir ? openBuildCache(dir, builderVersion(root, path.dirname(dir)), site) : null;
}

/**
 * Entries being written in the background at most. Creating a file is the
 * slow part of a cold build's cache, and on the main thread it stalls the
 * rendering; past this many, put writes at once, so memory stays bounded.
 */
const WRITING_AT_ONCE = 64;

/** Kinds with an entry per page: kept in one file each rather than a file per entry. */
const PACKED: ReadonlySet<CacheKind> = new Set(['page', 'links', 'final']);

export function openBuildCache(dir: string, version: string, site?: string): BuildCache {
  const stats = { hits: 0, misses: 0 };
  const writing = new Set<Promise<void>>();
  const packs = new Map<CacheKind, EntryPack>();
  let keepUnread = false;
  const packOf = (kind: CacheKind): EntryPack | undefined => {
    if (!PACKED.has(kind)) return undefined;
    let pack = packs.get(kind);
    if (!pack) packs.set(kind, (pack = (keepUnread ? openPartialPack : openEntryPack)(path.join(dir, kind, site ? `pack-${createHash('sha256').update(site).digest('hex').slice(0, 16)}` : 'pack'))));
    return pack;
  };
  return {
    dir,
    version,
    stats,
    key(kind, ...parts) {
      const hash = createHash('sha256').update(version).update(`\0${kind}`);
      // Each part's length first, so ("ab", "c") and ("a", "bc") differ.
      for (const part of parts) hash.update(`\0${Buffer.byteLength(part)}\0`).update(part);
      return hash.digest('hex');
    },
    get(kind, key) {
      const pack = packOf(kind);
      const payload = pack ? pack.get(key) : readEntry(entryFile(dir, kind, key));
      if (payload) stats.hits++;
      else stats.misses++;
      return payload;
    },
    put(kind, key, payload) {
      const pack = packOf(kind);
      if (pack) return pack.put(key, payload);
      const file = entryFile(dir, kind, key);
      if (writing.size >= WRITING_AT_ONCE) return writeEntry(file, payload);
      const written: Promise<void> = writeEntrySoon(file, payload)
        .catch(() => {}) // an entry not kept is made again next time
        .finally(() => writing.delete(written));
      writing.add(written);
    },
    async settled() {
      while (writing.size > 0) await Promise.all(writing);
      for (const pack of packs.values()) pack.finish();
    },
    keepUnread() {
      keepUnread = true;
    },
  };
}

/**
 * The builder's version: its source (everything under src/, the entry
 * points), the exact dependencies (package-lock.json) and the Node it runs
 * on, whose zlib makes the .gz and .br. With `memoDir`, it is kept there
 * under the files' stamps (size, modification and change times, inode: an
 * edit always moves the change time) and read again only when one moved:
 * reading 2 MB of code cost each build 15 ms, stamping 170 files costs 2.
 */
export function builderVersion(root: string, memoDir?: string): string {
  const files = builderFiles(root);
  const stamps = files.map((file) => {
    const stat = statSync(file, { throwIfNoEntry: false });
    return stat ? `${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.ino}` : 'missing';
  });
  const stamp = createHash('sha256').update(JSON.stringify([process.version, process.versions.zlib, process.versions.brotli, files, stamps])).digest('hex');
  const memo = memoDir && path.join(memoDir, 'builder-version.json');
  if (memo) {
    try {
      const kept = JSON.parse(readFileSync(memo, 'utf8')) as { stamp?: unknown; version?: unknown };
      if (kept.stamp === stamp && typeof kept.version === 'string') return kept.version;
    } catch {
      // none kept yet: read the code
    }
  }
  const hash = createHash('sha256').update(JSON.stringify([process.version, process.versions.zlib, process.versions.brotli]));
  for (const file of files) {
    hash.update(`\0${path.relative(root, file)}\0`);
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('missing');
    }
  }
  const version = hash.digest('hex');
  if (memo) {
    try {
      writeWhole(memo, JSON.stringify({ stamp, version }));
    } catch {
      // read again next time
    }
  }
  return version;
}

/** The files the builder is made of: its lock file, its entries, and the code under src/, in a fixed order. */
function builderFiles(root: string): string[] {
  const files = ['package-lock.json', 'app.ts', 'build.ts'].map((file) => path.join(root, file));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|mts|mjs|js|json|css|html)$/.test(entry.name)) files.push(full);
    }
  };
  walk(path.join(root, 'src'));
  return files;
}

/**
 * `fetch` with the app's answers for URLs that `isPure` names (their body
 * depends on the URL and the builder alone) kept in the cache.
 */
export function cachingFetch(
  cache: BuildCache,
  fetch: (request: Request) => Response | Promise<Response>,
  isPure: (url: URL) => boolean,
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' || !isPure(new URL(request.url))) return fetch(request);
    const key = cache.key('response', request.url, request.headers.get('accept') ?? '');
    const hit = cache.get('response', key);
    if (hit) {
      const newline = hit.indexOf(10);
      const contentType = hit.subarray(0, newline).toString();
      return new Response(new Uint8Array(hit.subarray(newline + 1)), { status: 200, headers: { 'content-type': contentType } });
    }
    const response = await fetch(request);
    const contentType = response.headers.get('content-type');
    if (response.status !== 200 || !contentType || contentType.includes('\n')) return response;
    const body = Buffer.from(await response.arrayBuffer());
    cache.put('response', key, Buffer.concat([Buffer.from(`${contentType}\n`), body]));
    return new Response(new Uint8Array(body), { status: 200, headers: { 'content-type': contentType } });
  };
}
