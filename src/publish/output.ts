// Where a build writes: a staging folder beside BUILD_DIR, put in place only
// once the whole site is written and checked, so a failed build never leaves
// a half-written site in place of the last good one.
//
// The first build's staging folder is the whole site, renamed into place.
// Over a previous build, only the files whose bytes change are written to
// staging (an unchanged page keeps its file, mtime, ETag, .gz and .br, and
// costs no compression); publishing moves each into the site with a rename,
// atomic per file, in an order a static host can serve throughout: new
// assets and images first (new names, unreferenced so far), then pages, then
// the manifest and sitemap, and last the removal of what the site no longer
// has. Every file is whole at every moment, and every page's references
// exist.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildCache } from './cache.ts';
import { compressionOf } from './compress.ts';
import { BuildError } from './errors.ts';
import { isRunning } from './running.ts';
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
 * Threads writing and compressing while the main thread renders. One: a
 * thread costs 10 MB (Node 20) to 19 MB (Node 24) before it writes a byte,
 * and creating files is the kernel's work, which a second thread hardly
 * overlaps. Cold builds of 1000 pages, alternating: 2.12-2.25 s and 140-148 MB
 * with two threads, 2.24-2.30 s and 122-125 MB with one; the starter site
 * 1.46-1.48 s with two, 1.33-1.42 s with one.
 */
const WRITER_THREADS = 1;

export interface Output {
  /** The staging folder changed files are written into. */
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
  /** Whether `file` (e.g. pricing/index.html) is part of the new site: written by this build, or kept by a rebuild of named pages. */
  has(file: string): boolean;
  /** Every file of the new site (without .gz and .br). */
  files(): string[];
  /** A rebuild of named pages: the live site's files under `prefix` (a folder, "pagefind/") go unless written again. */
  drop(prefix: string): void;
  /**
   * A file of the new site as text, once settled: as this build wrote it, else as the live site has it. Read at once:
   * the search index reads every page, and 1000 reads through libuv's threads took 0.2 s, against 0.03 s here.
   */
  read(file: string): string;
  /** Put the new site in BUILD_DIR (see the top of this file). */
  publish(): Promise<void>;
  /** Remove the staging folder after a failure. */
  discard(): Promise<void>;
  /** Once published over a live site: the files of it written, replaced or removed (with .gz and .br), else null. */
  touched(): string[] | null;
}

/** Staging and retired folders that builds killed midway left behind. */
async function removeLeftovers(buildDir: string): Promise<void> {
  const parent = path.dirname(buildDir);
  const pattern = new RegExp(`^${path.basename(buildDir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(?:next|old|drafts)-(\\d+)$`);
  for (const name of existsSync(parent) ? readdirSync(parent) : []) {
    const match = pattern.exec(name);
    if (match && !isRunning(Number(match[1]))) await rm(path.join(parent, name), { recursive: true, force: true });
  }
}

/** Every file under `dir`, relative, with /. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

/** The folders of `removed` (files under `dir`) left empty, and those above them left empty, removed. */
function removeEmptyFolders(dir: string, removed: string[]): void {
  const folders = [...new Set(removed.map((file) => path.dirname(file)))];
  // Deepest first: a folder's emptied subfolders are gone before it is looked at.
  for (let folder of folders.sort((a, b) => b.split('/').length - a.split('/').length)) {
    while (folder !== '.' && existsSync(path.join(dir, folder)) && readdirSync(path.join(dir, folder)).length === 0) {
      rmdirSync(path.join(dir, folder));
      folder = path.dirname(folder);
    }
  }
}

const SIBLINGS = ['.gz', '.br'];

/** The order files go into a live site: assets and images, then pages, then what lists them. */
const publishOrder = (file: string): number => (/\.html?$/i.test(file) ? 1 : /^(manifest\.json|sitemap\.xml|robots\.txt)$/.test(file) ? 2 : 0);

/**
 * Open the staging folder. `incremental` (a rebuild of named pages) keeps
 * every file of the previous build that it does not write (`liveFiles`, when
 * they are known without listing the site); a full build keeps only what it writes.
 * `fewFiles`: the build writes a handful of files (a page or two and the
 * site's lists), on this thread.
 */
export async function openOutput(
  buildDir: string,
  { incremental = false, cache, liveFiles, fewFiles = false }: { incremental?: boolean; cache?: BuildCache | null; liveFiles?: readonly string[]; fewFiles?: boolean } = {},
): Promise<Output> {
  await removeLeftovers(buildDir);
  const staging = `${buildDir}.next-${process.pid}`;
  const draftsDir = `${buildDir}.drafts-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const live = existsSync(path.join(buildDir, MANIFEST)) ? buildDir : null;

  // A few files are written here: a thread costs more to start than writing them.
  const writer = startWriter(staging, { live, threads: fewFiles ? 0 : WRITER_THREADS, cache: cache ?? null });
  /** The files of the new site (each with its .gz and .br when it has them). */
  const siteFiles = new Set<string>(incremental && live ? (liveFiles ?? filesUnder(live)).filter((f) => !SIBLINGS.includes(path.extname(f))) : []);
  const dropped = new Set<string>();
  let touched: string[] | null = null;
  const drafts = new Map<string, string>();
  let draftBytes = 0;
  let draftsSpilled = false;

  /** Move the changed files into the live site, in publishOrder, then remove what it no longer has. */
  const applyTo = (site: string) => {
    const changed = [...writer.changed].sort(([a], [b]) => publishOrder(a) - publishOrder(b));
    const madeDirs = new Set<string>();
    for (const [file, compressed] of changed) {
      const folder = path.dirname(path.join(site, file));
      if (!madeDirs.has(folder)) {
        mkdirSync(folder, { recursive: true });
        madeDirs.add(folder);
      }
      const staged = path.join(staging, writer.staged(file));
      for (const sibling of SIBLINGS) {
        if (compressed) renameSync(staged + sibling, path.join(site, file + sibling));
        else rmSync(path.join(site, file + sibling), { force: true });
      }
      renameSync(staged, path.join(site, file));
    }
    const removed = (incremental ? [...dropped].filter((file) => !siteFiles.has(file)).flatMap((file) => [file, ...SIBLINGS.map((sibling) => file + sibling)]) : filesUnder(site)).filter((file) => {
      const sibling = SIBLINGS.includes(path.extname(file));
      return !siteFiles.has(file) && !(sibling && siteFiles.has(file.slice(0, -3)));
    });
    for (const file of removed) rmSync(path.join(site, file), { force: true });
    removeEmptyFolders(site, removed);
    touched = [...changed.flatMap(([file]) => [file, ...SIBLINGS.map((sibling) => file + sibling)]), ...removed];
  };

  return {
    dir: staging,
    stats: writer.stats,
    has: (file) => siteFiles.has(file),
    files: () => [...siteFiles].sort(),
    drop(prefix) {
      for (const file of siteFiles) {
        if (!file.startsWith(prefix)) continue;
        siteFiles.delete(file);
        dropped.add(file);
      }
    },
    read: (file) => readFileSync(writer.changed.has(file) || !live ? path.join(staging, writer.staged(file)) : path.join(live, file), 'utf8'),
    async write(file, data, options = { hashed: false }) {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      siteFiles.add(file);
      await writer.write(file, bytes, compressionOf(file, bytes.length, options));
    },
    async keepDraft(file, text) {
      if (draftBytes + text.length > DRAFTS_IN_MEMORY) {
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
    async publish() {
      await writer.close();
      if (draftsSpilled) await rm(draftsDir, { recursive: true, force: true });
      if (live) {
        applyTo(live);
        rmSync(staging, { recursive: true, force: true });
        return;
      }
      // The first build: the whole site at once (replacing an empty folder, if there is one).
      const retired = `${buildDir}.old-${process.pid}`;
      const hadFolder = existsSync(buildDir);
      if (hadFolder) await rename(buildDir, retired);
      try {
        await rename(staging, buildDir);
      } catch (err) {
        if (hadFolder) await rename(retired, buildDir);
        throw err;
      }
      if (hadFolder) rmSync(retired, { recursive: true, force: true });
    },
    touched: () => touched,
    async discard() {
      await writer.close();
      await rm(draftsDir, { recursive: true, force: true });
      await rm(staging, { recursive: true, force: true });
    },
  };
}
