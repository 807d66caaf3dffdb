// A rebuild with nothing changed does nothing. After each full build the
// cache keeps a record of what it was built from and what it wrote: the
// settings that shape the output, and a stamp (size, modification and change
// times, inode) of every file under the source folders, of the builder's own
// code and dependencies, and of every file it published. The next build
// stamps the same files; when every stamp is as recorded, the published site
// is exactly what a build would write again, so it says so and stops, before
// loading the app, the renderer or anything else a build needs.
//
// Any difference falls through to a real build, which is careful on its
// own: the record is only a shortcut to "nothing to do". So it errs one way:
//   - the sources are stamped when a build starts, so an edit made while it
//     runs is seen by the next one;
//   - a build removes the record before it starts, and writes one only once
//     its site is published;
//   - what now() gave on the site's pages is recorded too, by format and
//     text: a site showing the year is the same site until the year turns;
//     one showing the time, never;
//   - the output is stamped after it is published, its folders too: a file
//     of the site edited, removed or added by hand means a real build. A
//     folder's stamp moves when an entry is added, removed or renamed in
//     it, so the check stamps the paths recorded and lists no folder.
// The record is two files: a small one (the settings, a digest of the
// input stamps, the site's paths and a digest of their stamps, the
// summary), all a rebuild with nothing changed reads, and beside it the stamps themselves and what the
// build recorded of its pages, read when something changed: it says which
// files changed, so a rebuild that only edited some can work out the pages
// they affect (delta.ts). A third holds the site's path: a build removes the
// records of sites no longer there, which would otherwise pile up in the
// cache, one per build folder ever used.
//
// The change time cannot be set back by hand (touch -d, cp -p, an editor
// keeping the modification time all move it), so an edit is seen even where
// the size and modification time come out as before.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { Summary } from './report.ts';
import { clockUnchanged } from '../pages/reads.ts';
import { writeWhole } from './write-whole.mjs';

/** Paths (of the published site, or of the sources), sorted, and their stamps: STAMP_FIELDS numbers a path (see putStamp). */
interface SiteStamps {
  paths: string[];
  stamps: Float64Array;
}

/** What a record says about the build it was written after: small, as a rebuild with nothing changed reads it alone. */
interface BuildRecord {
  /** The settings and Node the site was built with. */
  key: string;
  /** The digest of the stamps of the sources and the builder's code, as the build started. */
  inputs: string;
  /** The digest of the stamps of the published site (its files and folders, in the order of `site`), as the build left it. */
  output: string;
  /** The paths of its files and folders (folders end in "/"). */
  site: string[];
  summary: Summary;
  /** What the build warned about, said again when it is skipped. */
  notes: string[];
  /** What now() gave on its pages (clock reads, src/pages/reads.ts). */
  clock: string[];
}

/** Beside it, read only when something changed: the stamps themselves, and what the build recorded of its pages. */
interface BuildDetail<Pages> {
  /** The record's `inputs`: the two files were written by the same build. */
  of: string;
  /** The sources' paths, sorted, and their stamps (four numbers a path, as stampsAt gives them). */
  inputs: { paths: string[]; stamps: number[] };
  pages: Pages | null;
}

export interface LastBuildOptions {
  /** Where the record is kept (the build cache's folder). */
  cacheDir: string;
  buildDir: string;
  /** Folders and files the site is built from: pages, templates, static, the builder's code and its lock file. */
  inputs: string[];
  /** Everything else the output depends on (settings, SITE_URL, BASE_PATH), as JSON-able values. */
  settings: unknown;
}

/** Since the last build: the settings and site as recorded, and these input files changed, added or removed. */
export interface Changes<Pages> {
  /** The files of the published site (paths under it). */
  output: string[];
  changed: string[];
  added: string[];
  removed: string[];
  summary: Summary;
  notes: string[];
  pages: Pages;
}

export interface LastBuild<Pages> {
  /** The last build's summary when nothing changed since it; else null. */
  unchanged(): { summary: Summary; notes: string[] } | null;
  /** What changed since the last build, when it left a record of its pages and the site is as it left it; else null. */
  changes(): Changes<Pages> | null;
  /** Before a real build: forget the record (the site is about to change). */
  forget(): void;
  /**
   * After a full build that is published: record it (its inputs stamped when `lastBuild` was called) with what now() gave on
   * its pages. `touched`: the
   * files of the site it wrote, replaced or removed, when it published over the site as recorded; else the site is stamped whole.
   */
  remember(summary: Summary, notes: string[], pages: Pages | null, clock: string[], touched?: string[] | null): void;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Numbers in a stamp: size, modification and change times, inode. */
const STAMP_FIELDS = 4;

/** Write the stamp of `stat` at the `i`th place of `stamps`: size, modification and change times, inode; -1 for a path that is not there. */
function putStamp(stamps: { [at: number]: number }, i: number, stat: Stats | undefined): void {
  const at = i * STAMP_FIELDS;
  stamps[at] = stat ? stat.size : -1;
  stamps[at + 1] = stat ? stat.mtimeMs : -1;
  stamps[at + 2] = stat ? stat.ctimeMs : -1;
  stamps[at + 3] = stat ? stat.ino : -1;
}

/** The `i`th stamp of `stamps`. */
const stampAt = (stamps: Float64Array, i: number): Float64Array => stamps.subarray(i * STAMP_FIELDS, (i + 1) * STAMP_FIELDS);

/** Whether the stamp at `i` of `a` is the one at `j` of `b`. */
const sameStamp = (a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): boolean => {
  for (let k = 0; k < STAMP_FIELDS; k++) if (a[i * STAMP_FIELDS + k] !== b[j * STAMP_FIELDS + k]) return false;
  return true;
};

/**
 * The files `targets` (files or folders, every file under a folder, through links to folders) and their stamps,
 * sorted by path (one stat per file: a site has thousands).
 */
function stampsOf(targets: string[]): SiteStamps {
  const found: string[] = [];
  const numbers: number[] = [];
  const add = (file: string, stat: Stats | undefined) => putStamp(numbers, found.push(file) - 1, stat);
  const addFolder = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      // Not path.join: `dir` is already normal, and a site has thousands of entries.
      const full = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        addFolder(full);
        continue;
      }
      const stat = statSync(full, { throwIfNoEntry: false });
      // a link to a folder: what is in it
      if (stat?.isDirectory()) addFolder(full);
      else add(full, stat);
    }
  };
  for (const target of targets) {
    const stat = statSync(target, { throwIfNoEntry: false });
    if (stat?.isDirectory()) addFolder(target);
    else add(target, stat);
  }
  const order = found.map((_, i) => i).sort((a, b) => (found[a]! < found[b]! ? -1 : found[a]! > found[b]! ? 1 : 0));
  const unsorted = Float64Array.from(numbers);
  const stamps = new Float64Array(found.length * STAMP_FIELDS);
  order.forEach((from, i) => stamps.set(stampAt(unsorted, from), i * STAMP_FIELDS));
  return { paths: order.map((i) => found[i]!), stamps };
}

/**
 * Every file and folder of the published site (folders as "name/", the site itself as ""), sorted, with its stamp. A
 * folder's stamp moves when an entry is added to it, removed or renamed, so the site is checked again by stamping the
 * paths recorded, without listing a folder.
 */
function outputStamps(buildDir: string): SiteStamps {
  const paths: string[] = [];
  const walk = (dir: string, prefix: string) => {
    paths.push(prefix);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(`${dir}/${entry.name}`, `${prefix}${entry.name}/`);
      else paths.push(prefix + entry.name);
    }
  };
  if (statSync(buildDir, { throwIfNoEntry: false })?.isDirectory()) walk(buildDir, '');
  paths.sort();
  return { paths, stamps: stampsAt(buildDir, paths) };
}

/**
 * The stamps of the site's `paths` as they are now, in their order, as numbers (putStamp's). The check of a site of thousands of files is their digest:
 * numbers written straight into one array, where text stamps cost a string each, and their collection.
 */
function stampsAt(buildDir: string, paths: string[]): Float64Array {
  const stamps = new Float64Array(paths.length * STAMP_FIELDS);
  paths.forEach((name, i) => putStamp(stamps, i, statSync(`${buildDir}/${name}`, { throwIfNoEntry: false })));
  return stamps;
}

/** The digest of the site's stamps, as stampsAt gives them. */
const digestOfSite = (stamps: Float64Array): string => createHash('sha256').update(stamps).digest('hex');

/** One digest of the sources' paths and stamps. */
const digestOfSources = ({ paths, stamps }: SiteStamps): string => createHash('sha256').update(paths.join('\0')).update('\n').update(stamps).digest('hex');

/** The site as recorded, `site`, after a build wrote, replaced or removed `touched` (paths of files in it): those and their folders stamped again. */
function restamped(buildDir: string, site: SiteStamps, touched: string[]): SiteStamps {
  const names = new Set<string>(['']);
  for (const file of touched) {
    names.add(file);
    for (let at = file.lastIndexOf('/'); at > 0; at = file.lastIndexOf('/', at - 1)) names.add(file.slice(0, at + 1));
  }
  const again = [...names];
  const fresh = stampsAt(buildDir, again);
  const isThere = (n: number) => fresh[n * STAMP_FIELDS] !== -1;
  const place = new Map(site.paths.map((name, i) => [name, i]));
  // The same paths (files replaced): their stamps replaced in place.
  if (again.every((name, n) => place.has(name) === isThere(n))) {
    const stamps = site.stamps.slice();
    again.forEach((name, n) => place.has(name) && stamps.set(stampAt(fresh, n), place.get(name)! * STAMP_FIELDS));
    return { paths: site.paths, stamps };
  }
  // Paths came or went: the list sorted again, each path with its stamp.
  const freshPlace = new Map(again.map((name, n) => [name, n]));
  const paths = [...new Set([...site.paths, ...again])].filter((name) => (freshPlace.has(name) ? isThere(freshPlace.get(name)!) : true)).sort();
  const stamps = new Float64Array(paths.length * STAMP_FIELDS);
  paths.forEach((name, i) => stamps.set(freshPlace.has(name) ? stampAt(fresh, freshPlace.get(name)!) : stampAt(site.stamps, place.get(name)!), i * STAMP_FIELDS));
  return { paths, stamps };
}

/** The files of the record of the site in `buildDir`: the record, its detail, and where the site is. */
const recordFiles = (cacheDir: string, buildDir: string) => {
  const base = path.join(cacheDir, `last-build-${sha256(path.resolve(buildDir)).slice(0, 16)}`);
  return { file: `${base}.json`, detailFile: `${base}.detail.json`, siteFile: `${base}.site` };
};

/** Whether `file` holds `text`. */
function isWritten(file: string, text: string): boolean {
  try {
    return readFileSync(file, 'utf8') === text;
  } catch {
    return false;
  }
}

/**
 * Remove the records of sites no longer there: a record is kept per build folder (megabytes at thousands of pages),
 * and build folders come and go (a temporary one, a renamed one). Each record has its site's path beside it, written
 * before the record: a record without one is of a builder from before the path was kept, and is removed too.
 */
function forgetGoneSites(cacheDir: string): void {
  const names = readdirSync(cacheDir);
  const sites = new Set(names.filter((name) => /^last-build-[0-9a-f]{16}\.site$/.test(name)).map((name) => name.slice(0, -'.site'.length)));
  for (const name of names) {
    const base = /^(last-build-[0-9a-f]{16})\.(?:detail\.)?json$/.exec(name)?.[1];
    if (base !== undefined && !sites.has(base)) rmSync(path.join(cacheDir, name), { force: true });
  }
  for (const base of sites) {
    try {
      const site = readFileSync(path.join(cacheDir, `${base}.site`), 'utf8');
      if (statSync(site, { throwIfNoEntry: false })) continue;
      const gone = recordFiles(cacheDir, site);
      // Its site's path last: a removal cut short is finished by the next build.
      for (const file of [gone.file, gone.detailFile, gone.siteFile]) rmSync(file, { force: true });
    } catch {
      // another build's, being written or removed: the next build looks again
    }
  }
}

export function lastBuild<Pages>({ cacheDir, buildDir, inputs, settings }: LastBuildOptions): LastBuild<Pages> {
  const { file, detailFile, siteFile } = recordFiles(cacheDir, buildDir);
  const key = sha256(JSON.stringify([settings, path.resolve(buildDir), process.version, process.versions.zlib, process.versions.brotli]));
  const inputStamps = stampsOf(inputs);
  const inputDigest = digestOfSources(inputStamps);
  /** The record, and the site's stamps as the check made them (a build over the site stamps again only what it touched). */
  let read: { record: BuildRecord; site: SiteStamps } | null | undefined;
  /** The record, when it is of these settings and the site is as it left it; with the site's stamps. */
  const current = () => {
    if (read !== undefined) return read;
    read = null;
    try {
      const record = JSON.parse(readFileSync(file, 'utf8')) as BuildRecord;
      if (record.key !== key || typeof record.inputs !== 'string') return read;
      if (!Array.isArray(record.site)) return read;
      // The paths are recorded sorted: stamped in their order, as `remember` digested them.
      const stamps = stampsAt(buildDir, record.site);
      if (digestOfSite(stamps) === record.output) read = { record, site: { paths: record.site, stamps } };
    } catch {
      // no record (or not one of ours): a real build
    }
    return read;
  };

  return {
    unchanged() {
      const found = current();
      if (!found || found.record.inputs !== inputDigest || !Array.isArray(found.record.clock) || !clockUnchanged(found.record.clock)) return null;
      return { summary: found.record.summary, notes: found.record.notes };
    },
    changes() {
      const found = current();
      if (!found) return null;
      let detail: BuildDetail<Pages>;
      try {
        detail = JSON.parse(readFileSync(detailFile, 'utf8')) as BuildDetail<Pages>;
      } catch {
        return null;
      }
      if (detail.of !== found.record.inputs || !detail.pages || !Array.isArray(detail.inputs?.paths)) return null;
      const was = new Map(detail.inputs.paths.map((name, i) => [name, i]));
      const changed: string[] = [];
      const added: string[] = [];
      inputStamps.paths.forEach((name, i) => {
        const at = was.get(name);
        if (at === undefined) added.push(name);
        else if (!sameStamp(inputStamps.stamps, i, detail.inputs.stamps, at)) changed.push(name);
      });
      const now = new Set(inputStamps.paths);
      const removed = detail.inputs.paths.filter((name) => !now.has(name));
      const output = found.record.site.filter((name) => name !== '' && !name.endsWith('/'));
      const { summary, notes } = found.record;
      return { output, changed, added, removed, summary, notes, pages: detail.pages };
    },
    forget() {
      rmSync(file, { force: true });
    },
    remember(summary, notes, pages, clock, touched) {
      const previous = touched && current();
      const site = previous ? restamped(buildDir, previous.site, touched) : outputStamps(buildDir);
      const record: BuildRecord = { key, inputs: inputDigest, output: digestOfSite(site.stamps), site: site.paths, summary, notes, clock };
      const detail: BuildDetail<Pages> = { of: inputDigest, inputs: { paths: inputStamps.paths, stamps: [...inputStamps.stamps] }, pages };
      try {
        // The site's path first (a record without one is removed, see forgetGoneSites), then the detail: a record is
        // only taken with the detail written with it.
        if (!isWritten(siteFile, path.resolve(buildDir))) writeWhole(siteFile, path.resolve(buildDir));
        writeWhole(detailFile, JSON.stringify(detail));
        writeWhole(file, JSON.stringify(record));
        forgetGoneSites(cacheDir);
      } catch {
        // without a record, the next build is a real one
      }
    },
  };
}
