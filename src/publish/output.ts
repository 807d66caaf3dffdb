// Where a build writes: a staging folder beside BUILD_DIR, swapped in only
// once the whole site is written and checked, so a failed build never leaves
// a half-written site in place of the last good one. Over a previous build,
// the staging folder starts as hard links to its files, and the writers
// replace only the files whose bytes change: an unchanged page keeps its
// file (mtime, ETag) and its .gz and .br, and costs no compression.
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildCache } from './cache.ts';
import { brotliQuality, isCompressible } from './compress.ts';
import { BuildError } from './errors.ts';
import { startWriter, type WriteStats } from './writer.ts';

/** Every build writes one; its presence is how a folder is recognised as a build. */
export const MANIFEST = 'manifest.json';

/**
 * Refuse a BUILD_DIR whose replacement would destroy something: the
 * filesystem root, the project or a folder above it, a source folder, or a
 * folder holding files that are not a previous build.
 */
export function assertSafeBuildDir(buildDir: string, { project, sources }: { project: string; sources: string[] }): void {
  const dir = path.resolve(buildDir);
  const inside = (child: string, parent: string) => child === parent || child.startsWith(parent + path.sep);
  if (dir === path.parse(dir).root || inside(project, dir)) {
    throw new BuildError(`BUILD_DIR ${dir} would replace the project itself; choose a folder such as _build.`);
  }
  for (const source of sources) {
    if (inside(dir, source) || inside(source, dir)) {
      throw new BuildError(`BUILD_DIR ${dir} overlaps the source folder ${source}; choose a folder outside it.`);
    }
  }
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(path.join(dir, MANIFEST))) {
    throw new BuildError(`BUILD_DIR ${dir} holds files that are not a previous build (no ${MANIFEST}); choose an empty or new folder.`);
  }
}

/**
 * Page drafts are held in memory up to this many bytes and on disk beyond:
 * no extra disk round trip for most sites, memory bounded for any.
 */
const DRAFTS_IN_MEMORY = 32 * 1024 * 1024;

/**
 * Threads writing and compressing while the main thread renders. Two even on
 * two cores: creating a file is mostly the kernel's work, and two overlap.
 */
const WRITER_THREADS = 2;

export interface Output {
  /** The staging folder the site is written into. */
  dir: string;
  stats: WriteStats;
  /**
   * Write a file of the site and, for text over 1 KiB, its .gz and .br
   * siblings, on a writer thread. Resolves once the file is handed over.
   */
  write(file: string, data: Buffer | string, options?: { hashed: boolean }): Promise<void>;
  /** Keep a page's first draft (before its references are rewritten) until it is written for real. */
  keepDraft(file: string, text: string): Promise<void>;
  takeDraft(file: string): Promise<string>;
  /** Wait until every file is written. */
  settle(): Promise<void>;
  /**
   * Remove what the previous build left that this one did not write (a
   * full build, once everything is written and before the link check, so
   * no link passes on a leftover).
   */
  prune(): Promise<void>;
  /** Replace BUILD_DIR by the staging folder. */
  publish(): Promise<void>;
  /** Remove the staging folder after a failure. */
  discard(): Promise<void>;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Staging and retired folders that builds killed midway left behind. */
async function removeLeftovers(buildDir: string): Promise<void> {
  const parent = path.dirname(buildDir);
  const pattern = new RegExp(`^${path.basename(buildDir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(?:next|old|drafts)-(\\d+)$`);
  for (const name of existsSync(parent) ? readdirSync(parent) : []) {
    const match = pattern.exec(name);
    if (match && !isAlive(Number(match[1]))) await rm(path.join(parent, name), { recursive: true, force: true });
  }
}

/**
 * The site in `from` again in `to`, as hard links: instant, and each file
 * keeps its inode and modification time (and so its ETag). Writers must
 * therefore replace files, never write into them.
 */
function linkTree(from: string, to: string): void {
  // Synchronous: nothing else runs yet, and a few thousand links cost less without a trip through libuv's pool each.
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) linkTree(source, target);
    else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
      }
    }
  }
}

/** Files under `dir` (relative, with /) that `keep` refuses, removed; then the folders left empty. */
function removeFiles(dir: string, keep: (file: string) => boolean, prefix = ''): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const file = prefix + entry.name;
    if (entry.isDirectory()) {
      removeFiles(full, keep, `${file}/`);
      if (readdirSync(full).length === 0) rmdirSync(full);
    } else if (!keep(file)) {
      rmSync(full, { force: true });
    }
  }
}

/**
 * Open the staging folder: the current site (as hard links) when there is
 * one, else empty.
 */
export async function openOutput(buildDir: string, { cache }: { cache?: BuildCache | null } = {}): Promise<Output> {
  await removeLeftovers(buildDir);
  const staging = `${buildDir}.next-${process.pid}`;
  const draftsDir = `${buildDir}.drafts-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  const previous = existsSync(path.join(buildDir, MANIFEST));
  if (previous) linkTree(buildDir, staging);
  else await mkdir(staging, { recursive: true });

  const writer = startWriter(staging, { replace: previous, threads: WRITER_THREADS, cache: cache ?? null });
  const written = new Set<string>();
  const drafts = new Map<string, string>();
  let draftBytes = 0;
  let draftsSpilled = false;

  return {
    dir: staging,
    stats: writer.stats,
    async write(file, data, options = { hashed: false }) {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      written.add(file);
      await writer.write(file, bytes, isCompressible(file, bytes.length) ? brotliQuality(options) : 0);
    },
    async keepDraft(file, text) {
      if (draftBytes + text.length > DRAFTS_IN_MEMORY) {
        // Beside the staging folder, whose files may still be the published site's.
        const target = path.join(draftsDir, file);
        await mkdir(path.dirname(target), { recursive: true });
        draftsSpilled = true;
        return writeFile(target, text);
      }
      drafts.set(file, text);
      draftBytes += text.length;
    },
    async takeDraft(file) {
      const text = drafts.get(file);
      if (text === undefined) return readFile(path.join(draftsDir, file), 'utf8');
      drafts.delete(file);
      draftBytes -= text.length;
      return text;
    },
    settle: () => writer.settle(),
    async prune() {
      if (!previous) return;
      const sibling = /\.(gz|br)$/;
      removeFiles(staging, (file) => written.has(file) || (sibling.test(file) && written.has(file.slice(0, -3))));
    },
    async publish() {
      await writer.close();
      if (draftsSpilled) await rm(draftsDir, { recursive: true, force: true });
      const retired = `${buildDir}.old-${process.pid}`;
      const hadSite = existsSync(buildDir);
      if (hadSite) await rename(buildDir, retired);
      try {
        await rename(staging, buildDir);
      } catch (err) {
        if (hadSite) await rename(retired, buildDir);
        throw err;
      }
      if (hadSite) rmSync(retired, { recursive: true, force: true });
    },
    async discard() {
      await writer.close();
      await rm(draftsDir, { recursive: true, force: true });
      await rm(staging, { recursive: true, force: true });
    },
  };
}
