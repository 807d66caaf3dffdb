// Live reload for `npm run dev`, without a browser plugin: a small script
// injected into every HTML page listens to a server-sent event stream.
// A stylesheet edit under static/ is applied in place: each open tab loads
// the changed sheet again under a cache-busting URL (a <link>, or an
// @import inside one) and keeps its scroll position, form input and
// JavaScript state. Any other edit (a page, a layout, data) reloads the tab.
// Source changes restart the server (tsx watch); the tab then reconnects,
// sees a new server instance and reloads too.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { ownPageSlug, pageUrl } from './files.ts';

/** Metadata keys that put a page in other pages (collections) or elsewhere than its file's URL. */
const SHOWN_ELSEWHERE = /^(?:tags|permalink|draft|paginate)\s*:|"(?:tags|permalink|draft|paginate)"\s*:/m;

function showsElsewhere(file: string): boolean {
  try {
    return SHOWN_ELSEWHERE.test(readFileSync(file, 'utf8'));
  } catch {
    return true;
  }
}

export const LIVE_RELOAD_PATH = '/__reload';

/**
 * Editors save in bursts (write, rename, chmod; several files at once):
 * one reload per burst, once the files have been quiet this long.
 */
const SETTLE_MS = 60;
/** A stylesheet swap is harmless to repeat, so it waits only for the save itself to finish. */
const STYLESHEET_SETTLE_MS = 15;

/**
 * In the tab: `css` events carry the URL paths of changed stylesheets. A
 * <link> to one is replaced by a new one (the old removed once the new has
 * loaded, so nothing flashes unstyled); an @import of one, at any depth, is
 * replaced in its sheet. When no sheet names the file (CSS bundled under
 * another URL), every same-origin stylesheet is loaded again.
 */
const CLIENT = `(() => {
  let instance = null;
  const here = (href) => new URL(href, location.href);
  const busted = (href) => {
    const url = here(href);
    url.searchParams.set('__reload', String(Date.now()));
    return url.href;
  };
  const changed = (href, paths) => href && here(href).origin === location.origin && paths.includes(here(href).pathname);
  const rulesOf = (sheet) => {
    try {
      return sheet ? [...sheet.cssRules] : [];
    } catch {
      return []; // another origin's sheet
    }
  };
  /** Replace the @imports of changed files in sheet (and in the sheets it imports); true if any was. */
  const swapImports = (sheet, paths) => {
    let swapped = false;
    rulesOf(sheet).forEach((rule, index) => {
      if (!(rule instanceof CSSImportRule)) return;
      if (changed(rule.href, paths)) {
        const media = rule.media.mediaText;
        sheet.deleteRule(index);
        sheet.insertRule('@import url(' + JSON.stringify(busted(rule.href)) + ')' + (media ? ' ' + media : '') + ';', index);
        swapped = true;
      } else if (swapImports(rule.styleSheet, paths)) swapped = true;
    });
    return swapped;
  };
  const swapLink = (link) => {
    const next = link.cloneNode();
    next.href = busted(link.href);
    const done = () => link.remove();
    next.addEventListener('load', done, { once: true });
    next.addEventListener('error', done, { once: true });
    link.after(next);
  };
  const applyStylesheets = (paths) => {
    const links = [...document.querySelectorAll('link[rel~="stylesheet"][href]')].filter((link) => here(link.href).origin === location.origin);
    let found = false;
    for (const link of links) {
      if (changed(link.href, paths)) {
        swapLink(link);
        found = true;
      } else if (swapImports(link.sheet, paths)) found = true;
    }
    for (const style of document.querySelectorAll('style')) if (swapImports(style.sheet, paths)) found = true;
    if (!found) links.forEach(swapLink);
  };
  const connect = () => {
    const events = new EventSource(${JSON.stringify(LIVE_RELOAD_PATH)});
    events.addEventListener('hello', (e) => {
      if (instance !== null && instance !== e.data) location.reload();
      instance = e.data;
    });
    // An edit of one page reloads the tabs showing it; anything else (a layout, data, a page added or removed), every tab.
    events.addEventListener('change', (e) => {
      const { pages } = JSON.parse(e.data);
      if (!pages || pages.includes(location.pathname)) location.reload();
    });
    events.addEventListener('css', (e) => applyStylesheets(JSON.parse(e.data)));
    // EventSource retries by itself after a dropped connection, but gives up
    // on an answer that is not a stream (a proxy's 502 during a restart).
    events.addEventListener('error', () => {
      if (events.readyState === EventSource.CLOSED) setTimeout(connect, 500);
    });
  };
  connect();
})();`;

const SCRIPT = `<script>/* live reload: npm run dev */${CLIENT}</script>`;

/** The page with the live-reload script before its closing </body> (or at its end). */
export function injectLiveReload(html: string): string {
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at === -1 ? html + SCRIPT : html.slice(0, at) + SCRIPT + html.slice(at);
}

/** Every name under `dir` (relative, folders too), none when it does not exist. */
function namesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
}

interface Tab {
  send(event: string, data: string): void;
  end(): void;
  /** The server the tab is connected to, when known. */
  server: Server | undefined;
}

export interface LiveReload {
  /** GET LIVE_RELOAD_PATH: the event stream each open tab listens to. */
  events(c: Context): Response;
  close(): void;
}

export interface WatchedDirs {
  /** The pages: an edit of one reloads only the tabs showing it. */
  pagesDir: string;
  /** Other folders whose edits reload every tab: layouts, data. */
  reload: string[];
  /** Served at /static/: a stylesheet edit there is swapped in, anything else reloads. */
  staticDir: string;
}

/** Watch the folders (those that exist) and tell every open tab when something in them changes. */
export function createLiveReload({ pagesDir, reload, staticDir }: WatchedDirs, log: (line: string) => void): LiveReload {
  const instance = randomUUID();
  const tabs = new Set<Tab>();
  /** Changed files, as shown in the log ("pages/index.html"). */
  const changed = new Set<string>();
  /** URL paths of changed stylesheets under /static/. */
  const stylesheets = new Set<string>();
  /** URL paths of the pages edited in place; null once anything else changed (every tab reloads). */
  let editedPages: Set<string> | null = new Set();
  let reloadPending = false;
  let settle: NodeJS.Timeout | undefined;
  /** The page files (relative to pagesDir) that exist: an edit of one differs from a page added or removed. */
  const pageFiles = new Set(namesUnder(pagesDir).filter((file) => ownPageSlug(file) !== null));

  const tellTabs = () => {
    const files = [...changed];
    const event = reloadPending ? 'change' : 'css';
    const pages = editedPages && [...editedPages];
    const data = reloadPending ? { files, pages } : [...stylesheets];
    const whom = !reloadPending ? `restyling ${tabs.size} tab(s)` : pages ? `reloading the tabs showing ${pages.join(', ')}` : `reloading ${tabs.size} tab(s)`;
    changed.clear();
    stylesheets.clear();
    editedPages = new Set();
    reloadPending = false;
    log(`live reload: ${files.join(', ')} changed; ${whom}`);
    for (const tab of tabs) tab.send(event, JSON.stringify(data));
  };

  /** The URL of the page `file` when it is an existing page edited in place, else null. */
  const editedPage = (file: string): string | null => {
    const slug = ownPageSlug(file);
    if (slug === null) return null;
    const existed = pageFiles.has(file);
    const exists = existsSync(path.join(pagesDir, file));
    if (exists) pageFiles.add(file);
    else pageFiles.delete(file);
    // A page in a collection, at a permalink, a draft or paginated shows elsewhere too (listings, feeds): every tab reloads.
    return existed && exists && !showsElsewhere(path.join(pagesDir, file)) ? pageUrl(slug) : null;
  };

  const noticed = (dir: string, file: string) => {
    changed.add(path.join(path.basename(dir), file));
    if (dir === staticDir && /\.css$/i.test(file)) stylesheets.add(`/static/${file.split(path.sep).join('/')}`);
    else {
      reloadPending = true;
      const page = dir === pagesDir ? editedPage(file) : null;
      if (page === null) editedPages = null;
      else editedPages?.add(page);
    }
    // A reload covers the stylesheets too; a burst of stylesheet edits is swapped in together.
    clearTimeout(settle);
    settle = setTimeout(tellTabs, reloadPending ? SETTLE_MS : STYLESHEET_SETTLE_MS);
  };

  const watchers: FSWatcher[] = [pagesDir, ...reload, staticDir].filter((dir) => existsSync(dir)).map((dir) => {
    const watcher = watch(dir, { recursive: true }, (_event, file) => {
      if (file) noticed(dir, file);
    });
    watcher.on('error', (err) => log(`live reload: stopped watching ${dir}: ${err.message}`));
    return watcher;
  });

  // An open tab holds its stream forever, which would keep a graceful
  // shutdown (Ctrl-C, a tsx watch restart) waiting; once the server stops
  // accepting connections, end the streams.
  const sweeper = setInterval(() => {
    for (const tab of tabs) if (tab.server && !tab.server.listening) tab.end();
  }, 250);
  sweeper.unref();

  return {
    events(c) {
      const encoder = new TextEncoder();
      let tab: Tab;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          // A stream the browser has already dropped refuses writes; forget its tab.
          const unlessGone = (write: () => void) => {
            try {
              write();
            } catch {
              tabs.delete(tab);
            }
          };
          tab = {
            send: (event, data) => unlessGone(() => controller.enqueue(encoder.encode(`event: ${event}\ndata: ${data}\n\n`))),
            end: () => {
              tabs.delete(tab);
              unlessGone(() => controller.close());
            },
            // Node's http server sets `server` on each socket it accepts; it is not in the types.
            server: ((c.env as HttpBindings | undefined)?.incoming?.socket as (Socket & { server?: Server }) | undefined)?.server,
          };
          tabs.add(tab);
          // Reconnect quickly after a restart; then say which server this is.
          controller.enqueue(encoder.encode('retry: 500\n\n'));
          tab.send('hello', instance);
        },
        cancel() {
          tabs.delete(tab);
        },
      });
      return c.body(stream, 200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
      });
    },
    close() {
      clearTimeout(settle);
      clearInterval(sweeper);
      for (const watcher of watchers) watcher.close();
      for (const tab of tabs) tab.end();
    },
  };
}
