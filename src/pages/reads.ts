// What rendering a page reads: the files (the page's own, and every
// template nunjucks hands out for it: layouts, includes, imports, whatever
// chose them), the folders whose defaults apply to it, the data names it
// looks up, the pages whose URL it asks for, the collections it lists, the
// site's address (absolute_url), the static files image() makes
// renditions of, and what now() gave (each format with its text: a page
// showing the year is the same page until the year turns). The build keeps a
// page's HTML with this list (src/publish/page-memo.ts) and renders the
// page again only when one of them changed.
//
// Whoever renders notes what it reads with noteRead(); whoever wants to know
// runs the render inside recordReads(). Outside of one, noting costs a
// lookup and keeps nothing.
import { AsyncLocalStorage } from 'node:async_hooks';
import type nunjucks from 'nunjucks';
import { formatDate } from '../templates/date-format.ts';

export interface PageReads {
  /** Absolute paths of files read: the page's own file, its templates. */
  files: Set<string>;
  /** Folders under pages/ ("" for pages/ itself, "docs/api") whose defaults file (_defaults.*) the page takes, or would if it had one. */
  defaults: Set<string>;
  /** Names under `data` (pages/_data/<name>.*); "*" when the whole of it was listed. */
  data: Set<string>;
  /** Slugs given to url('page', ...). */
  pages: Set<string>;
  /** Paths under the static folder given to image(). */
  statics: Set<string>;
  /** Tags whose collection it read (collections.post); "*" when it listed them all. */
  collections: Set<string>;
  /** "url" when it made absolute URLs (SITE_URL and BASE_PATH). */
  site: Set<string>;
  /** What now() gave: each call's format and text, as clockRead() writes them. */
  clock: Set<string>;
}

export const ALL_DATA = '*';

const current = new AsyncLocalStorage<PageReads>();

export const emptyReads = (): PageReads => ({ files: new Set(), defaults: new Set(), data: new Set(), pages: new Set(), statics: new Set(), collections: new Set(), site: new Set(), clock: new Set() });

/** Run `render`, noting into `reads` what it (and anything it awaits) reads. */
export function recordReads<T>(reads: PageReads, render: () => T): T {
  return current.run(reads, render);
}

/** Run `work` noting nothing: what the page index reads for every page is no one page's input. */
export function unrecorded<T>(work: () => T): T {
  return current.exit(work);
}

/** A now() call as a read: its format (null for the default) and the text it gave. */
export const clockRead = (format: string | null, text: string): string => JSON.stringify([format, text]);

export const parseClockRead = (read: string): { format: string | null; text: string } => {
  const [format, text] = JSON.parse(read) as [string | null, string];
  return { format, text };
};

/** What now() gives at this moment for the format of a clock read. */
export const clockNow = (read: string): string => formatDate(new Date(), parseClockRead(read).format ?? undefined);

/** Whether now() still gives what it gave for each of these clock reads. */
export const clockUnchanged = (reads: readonly string[]): boolean => reads.every((read) => clockNow(read) === parseClockRead(read).text);

export function noteRead(kind: keyof PageReads, name: string): void {
  current.getStore()?.[kind].add(name);
}

/**
 * The shared data (or the collections) that `make` returns, noting which
 * names are read; listing it (a loop over `data`) reads all of it. Made when
 * a template first reads it: the collections need every page's metadata,
 * and most pages never list them.
 */
export function trackedData<T extends object>(make: () => T, kind: 'data' | 'collections' = 'data'): T {
  let made: T | undefined;
  const real = () => (made ??= make());
  // The target stays empty (and extensible), so the traps may report the real object's keys as its own.
  return new Proxy({} as T, {
    get(_, key) {
      if (typeof key === 'string') noteRead(kind, key);
      return Reflect.get(real(), key);
    },
    has(_, key) {
      if (typeof key === 'string') noteRead(kind, key);
      return Reflect.has(real(), key);
    },
    ownKeys() {
      noteRead(kind, ALL_DATA);
      return Reflect.ownKeys(real());
    },
    getOwnPropertyDescriptor(_, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}

type Callback = (err: unknown, result?: unknown) => void;

/**
 * Note the file of every template `env` hands out: nunjucks asks for
 * layouts, includes and imports on every render, cached or not.
 */
export function trackTemplates(env: nunjucks.Environment): void {
  const note = (template: unknown) => {
    const file = (template as { path?: unknown } | null | undefined)?.path;
    if (typeof file === 'string') noteRead('files', file);
  };
  const getTemplate = env.getTemplate.bind(env) as (...args: unknown[]) => unknown;
  (env as unknown as { getTemplate: (...args: unknown[]) => unknown }).getTemplate = (...args) => {
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const cb = args[last] as Callback;
      args[last] = ((err, template) => {
        note(template);
        cb(err, template);
      }) satisfies Callback;
      return getTemplate(...args);
    }
    const template = getTemplate(...args);
    note(template);
    return template;
  };
}
