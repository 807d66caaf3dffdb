// Live reload for `npm run dev`, without a browser plugin: a small script
// injected into every HTML page listens to a server-sent event stream and
// reloads the tab when a watched file changes. Source changes restart the
// server (tsx watch); the tab then reconnects, sees a new server instance
// and reloads too.
import { randomUUID } from 'node:crypto';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';

export const LIVE_RELOAD_PATH = '/__reload';

/** Editors save in bursts (write, rename, chmod); one reload per burst. */
const SETTLE_MS = 100;

const SCRIPT = `<script>/* live reload: npm run dev */(() => {
  let instance = null;
  const events = new EventSource(${JSON.stringify(LIVE_RELOAD_PATH)});
  events.addEventListener('hello', (e) => {
    if (instance !== null && instance !== e.data) location.reload();
    instance = e.data;
  });
  events.addEventListener('change', () => location.reload());
})();</script>`;

/** The page with the live-reload script before its closing </body> (or at its end). */
export function injectLiveReload(html: string): string {
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at === -1 ? html + SCRIPT : html.slice(0, at) + SCRIPT + html.slice(at);
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

/** Watch `dirs` (those that exist) and tell every open tab when something in them changes. */
export function createLiveReload(dirs: string[], log: (line: string) => void): LiveReload {
  const instance = randomUUID();
  const tabs = new Set<Tab>();
  const changed = new Set<string>();
  let settle: NodeJS.Timeout | undefined;

  const reloadTabs = () => {
    const files = [...changed];
    changed.clear();
    log(`live reload: ${files.join(', ')} changed; reloading ${tabs.size} tab(s)`);
    for (const tab of tabs) tab.send('change', JSON.stringify(files));
  };

  const watchers: FSWatcher[] = dirs.filter((dir) => existsSync(dir)).map((dir) => {
    const watcher = watch(dir, { recursive: true }, (_event, file) => {
      changed.add(path.join(path.basename(dir), file ?? ''));
      clearTimeout(settle);
      settle = setTimeout(reloadTabs, SETTLE_MS);
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
