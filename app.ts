// Lightweight: placeholder images, prototype pages and a Scrum board in one app.
//
// Settings come from the environment (see src/settings.ts and the README);
// below them, which part owns which URL prefix. A part that SERVICES leaves
// out is never imported, so it costs nothing and its URLs answer 404.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { createServer, Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { Hono } from 'hono';
import { allowedHosts, contentSecurity, createLog, errorHandler, ICON_URL, notFound, requestLog, securityHeaders, serverWithHeldRoutes, type HeldRoute } from './src/http.ts';
import { addressOf, lanAddresses, loadSettings, ROOT, SettingsError, type Settings } from './src/settings.ts';
import { staticFiles } from './src/static.ts';
import { compression } from './src/compression.ts';
import { StoreOpenError } from './src/board/store.ts';
import { health, type Dependency } from './src/health.ts';
import { terminalQrCode } from './src/lan-qr.ts';
import { createRenderQueue } from './src/render-queue.ts';
import type { PartContext } from './src/part.ts';
import type { PageAnswer } from './src/pages/index.ts';
import type { PageIndex } from './src/pages/files.ts';

export interface Lightweight {
  app: Hono;
  settings: Settings;
  /** For @hono/node-server's serve({ createServer }): answers what parts hold ready before Hono, as Hono would. */
  createServer: typeof createServer;
  /** Attach what needs the raw server (websocket upgrades). */
  attach(server: Server): void;
  /** End long-lived connections (websockets, live-reload streams) so a closing server can finish. */
  detach(): Promise<void>;
  /** Release databases, watchers and timers; after the server has closed. */
  close(): Promise<void>;
  /**
   * With the pages part: its route's answer to a GET of a page's own URL,
   * without a Request or a Response (`npm run build` asks it first); null for
   * anything else, which only `app` answers. Every path outside
   * RESERVED_PREFIXES is routed to the pages part, and for a request without
   * Accept-Encoding (the build's) the middleware above it sets headers only:
   * the type and body are the ones `app` sends (test/build-memo.test.ts).
   */
  page?: (urlPath: string) => Promise<PageAnswer | null>;
}

export interface AppOptions {
  /**
   * The table of pages, when the caller made it already with the settings
   * the app has without DEBUG and dev (read once, no drafts): `npm run build`
   * lists the pages before it starts the app, and the table is made once.
   */
  pageIndex?: PageIndex;
}

/** URL prefixes owned by a part; pages never shadow them, even when the part is off. */
export const RESERVED_PREFIXES = ['/image', '/renditions', '/api', '/board', '/socket', '/static', '/healthz', '/favicon.ico'];

export async function createApp(settings: Settings, log: (line: string) => void = createLog(), { pageIndex }: AppOptions = {}): Promise<Lightweight> {
  const context: PartContext = { settings, log };
  const closers: Array<() => Promise<void> | void> = [];
  const attachers: Array<(server: Server) => void> = [];
  const detachers: Array<() => Promise<void> | void> = [];
  const dependencies: Dependency[] = [];
  const heldRoutes: HeldRoute[] = [];
  let page: Lightweight['page'];
  // One bound on image work, shared by placeholder images and the renditions of image().
  const renderQueue = createRenderQueue(settings.placeholderConcurrency, settings.imageMemoryMb);

  const app = new Hono();
  // Before the Host check and the request log: probes come by address (Host: 10.0.0.5:8000) every few seconds.
  app.get('/healthz', health(dependencies));
  // The Host check inside compression and the policy: its 400 page is compressed and carries a policy too.
  app.use(requestLog(log), securityHeaders(settings), compression(), contentSecurity(), allowedHosts(settings));
  app.onError(errorHandler(settings, log));
  app.notFound(notFound);

  if (settings.services.has('placeholder')) {
    const { createPlaceholder } = await import('./src/placeholder/index.ts');
    const placeholder = createPlaceholder(context, renderQueue);
    app.route('/image', placeholder.routes); // chapter 2: /image/300x200/
    heldRoutes.push(placeholder.held); // cached images, straight off node:http
  }

  if (settings.services.has('board')) {
    const { createBoard } = await import('./src/board/index.ts');
    const board = await createBoard(context);
    const { createBoardClient } = await import('./src/board/client-routes.ts');
    const { createRealtime } = await import('./src/realtime/index.ts');
    const client = await createBoardClient(context);
    const realtime = createRealtime({ settings, log, pubsub: board.pubsub });
    dependencies.push(...board.dependencies);
    for (const dependency of board.dependencies) dependency.onRecovered?.(() => realtime.resync(`${dependency.kind} is back`));
    app.route('/api', board.api); // chapter 4: the REST API
    app.route('/board', client.routes); // chapters 5-6: the single-page board
    attachers.push(realtime.attach); // chapters 7-8: websockets at /socket
    detachers.push(realtime.close);
    closers.push(board.close, client.close);
  }

  app.route('/static', staticFiles(context));
  // Asked for by browsers showing something that names no icon (a JSON response, a text file).
  app.get('/favicon.ico', (c) => c.redirect(ICON_URL, 301));

  if (settings.services.has('pages')) {
    const { createImages, RENDITIONS_PREFIX } = await import('./src/images/index.ts');
    const images = createImages(context, renderQueue);
    app.route(RENDITIONS_PREFIX, images.routes); // image() renditions: /renditions/img/hero.jpg/640-<digest>.avif
    const { createPages } = await import('./src/pages/index.ts');
    const pages = await createPages(context, RESERVED_PREFIXES, images, pageIndex);
    app.route('/', pages.routes); // chapter 3: every pages/<slug>.html at /<slug>/
    page = pages.answer;
    detachers.push(pages.close); // live-reload streams and file watchers
  }

  return {
    app,
    settings,
    page,
    createServer: serverWithHeldRoutes(heldRoutes, settings, log),
    attach: (server) => attachers.forEach((attach) => attach(server)),
    detach: async () => {
      await Promise.all(detachers.splice(0).map((detach) => detach()));
    },
    close: async () => {
      await Promise.all(detachers.splice(0).map((detach) => detach()));
      for (const close of closers.splice(0).reverse()) await close();
    },
  };
}

/** What the server says once it listens on `port`: where to open it (with --host, the LAN addresses and a QR code of the first), and what it serves. */
export function listeningLines(settings: Settings, port: number, addresses: string[] = settings.lan ? lanAddresses() : []): string[] {
  const shown = settings.host === '0.0.0.0' || settings.host === '127.0.0.1' ? 'localhost' : settings.host;
  const lines = [`Lightweight serving ${[...settings.services].join(', ')} at http://${shown}:${port}/ (DEBUG ${settings.debug ? 'on' : 'off'}${settings.dev ? ', live reload' : ''})`];
  if (settings.lan) {
    const urls = addresses.map((address) => `http://${address}:${port}/`);
    lines.push(...urls.map((url) => `  Network: ${url}`));
    if (urls.length === 0) lines.push('  Network: none found (no network interface other than loopback is up)');
    else lines.push(`  Scan to open ${urls[0]} on a phone on the same network:`, ...terminalQrCode(urls[0]!));
    if (settings.services.has('board')) {
      lines.push('  With --host the demo user (demo / test) is neither created nor accepted: anyone on the network knows it. Create your own: npm run createuser -- <name>');
    }
  }
  if (settings.services.has('board')) {
    const data = settings.databaseUrl ? `PostgreSQL at ${addressOf(settings.databaseUrl)}` : `SQLite at ${settings.databasePath.startsWith(ROOT + path.sep) ? path.relative(ROOT, settings.databasePath) : settings.databasePath}`;
    lines.push(`Board data in ${data}; live events ${settings.redisUrl ? `through Redis at ${addressOf(settings.redisUrl)}` : 'within this process'}`);
  }
  return lines;
}

/** Start serving; SIGTERM/SIGINT stop accepting, finish in-flight requests and exit 0. */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  // A .env file, where present, fills in what the real environment leaves unset.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let settings: Settings;
  try {
    // `npm run dev -- --host`: open it from a phone on the same network.
    settings = loadSettings(process.env, { dev: argv.includes('--dev'), lan: argv.includes('--host') });
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    console.error(`Configuration error: ${err.message}`);
    process.exit(2);
  }
  const log = createLog();
  let lightweight: Lightweight;
  try {
    lightweight = await createApp(settings, log);
  } catch (err) {
    // An unreachable or too-new database: the message says what to do; a stack trace would only hide it.
    if (!(err instanceof StoreOpenError)) throw err;
    console.error(`Cannot start: ${err.message}`);
    process.exit(1);
  }
  // Loaded here, not at the top: a build imports this file for createApp, and never serves.
  const { serve } = await import('@hono/node-server');
  const server = serve({ fetch: lightweight.app.fetch, createServer: lightweight.createServer, port: settings.port, hostname: settings.host }) as Server;
  lightweight.attach(server);
  server.on('error', (err: NodeJS.ErrnoException) => {
    console.error(
      err.code === 'EADDRINUSE'
        ? `Port ${settings.port} is already in use. Stop the other server or set PORT to a free port.`
        : `Server error: ${err.message}`,
    );
    process.exit(1);
  });
  server.on('listening', () => {
    const address = server.address();
    for (const line of listeningLines(settings, typeof address === 'object' && address ? address.port : settings.port)) log(line);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: finishing in-flight requests`);
    const force = setTimeout(() => {
      console.error('Shutdown took over 10 s; exiting anyway.');
      process.exit(1);
    }, 10_000);
    force.unref();
    server.close(async () => {
      await lightweight.close();
      // The log flushes on the next turn of the event loop; let it, then go.
      setImmediate(() => process.stdout.write('', () => process.exit(0)));
    });
    server.closeIdleConnections();
    void lightweight.detach();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
