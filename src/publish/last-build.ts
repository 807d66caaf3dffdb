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
//     its site is published, and only after a full build;
//   - what now() gave on the site's pages is recorded too, by format and
//     text: a site showing the year is the same site until the year turns;
//     one showing the time, never;
//   - the output is stamped after it is published: a file of the site
//     edited, removed or added by hand means a real build.
// The change time cannot be set back by hand (touch -d, cp -p, an editor
// keeping the modification time all move it), so an edit is seen even where
// the size and modification time come out as before.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { Summary } from './report.ts';
import { clockUnchanged } from '../pages/reads.ts';

/** What a record says about the build it was written after. */
interface BuildRecord {
  /** The settings and Node the site was built with. */
  key: string;
  /** The stamps of the sources and the builder's code, as the build started. */
  inputs: string;
  /** The stamps of the published site, as the build left it. */
  output: string;
  summary: Summary;
  /** What the build warned about, said again when it is skipped. */
  notes: string[];
  /** What now() gave on its pages (clock reads, src/pages/reads.ts). */
  clock: string[];
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

export interface LastBuild {
  /** The last build's summary when nothing changed since it; else null. */
  unchanged(): Pick<BuildRecord, 'summary' | 'notes'> | null;
  /** Before a real build: forget the record (the site is about to change). */
  forget(): void;
  /** After a full build that is published: record it (its inputs stamped when `lastBuild` was called) with what now() gave on its pages. */
  remember(summary: Summary, notes: string[], clock: string[]): void;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type Hash = ReturnType<typeof createHash>;

/** A file's stamp: what changes when it is written, replaced or touched. */
const stampLine = (name: string, stat: Stats | undefined) => (stat ? `${name}\0${stat.size}\0${stat.mtimeMs}\0${stat.ctimeMs}\0${stat.ino}\n` : `${name}\0missing\n`);

/** Every file under the folder `dir`, by name, with its stamp (one stat per file: a site has thousands). */
function addFolder(hash: Hash, dir: string): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      hash.update(`${entry.name}/\n`);
      addFolder(hash, full);
      continue;
    }
    const stat = statSync(full, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      // a link to a folder: what is in it
      hash.update(`${entry.name}/\n`);
      addFolder(hash, full);
    } else hash.update(stampLine(entry.name, stat));
  }
  hash.update('..\n');
}

/** The stamps of `targets` (files or folders) as one digest. */
function stampOf(targets: string[]): string {
  const hash = createHash('sha256');
  for (const target of targets) {
    const stat = statSync(target, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      hash.update(`${target}/\n`);
      addFolder(hash, target);
    } else hash.update(stampLine(target, stat));
  }
  return hash.digest('hex');
}

export function lastBuild({ cacheDir, buildDir, inputs, settings }: LastBuildOptions): LastBuild {
  const file = path.join(cacheDir, `last-build-${sha256(path.resolve(buildDir)).slice(0, 16)}.json`);
  const key = sha256(JSON.stringify([settings, path.resolve(buildDir), process.version, process.versions.zlib, process.versions.brotli]));
  const inputStamp = stampOf(inputs);

  return {
    unchanged() {
      let record: BuildRecord;
      try {
        record = JSON.parse(readFileSync(file, 'utf8')) as BuildRecord;
      } catch {
        return null;
      }
      if (record.key !== key || record.inputs !== inputStamp || !Array.isArray(record.clock) || !clockUnchanged(record.clock) || record.output !== stampOf([buildDir])) return null;
      return { summary: record.summary, notes: record.notes };
    },
    forget() {
      rmSync(file, { force: true });
    },
    remember(summary, notes, clock) {
      const record: BuildRecord = { key, inputs: inputStamp, output: stampOf([buildDir]), summary, notes, clock };
      try {
        mkdirSync(cacheDir, { recursive: true });
        const temporary = `${file}.${process.pid}.tmp`;
        writeFileSync(temporary, JSON.stringify(record));
        renameSync(temporary, file);
      } catch {
        // without a record, the next build is a real one
      }
    },
  };
}
