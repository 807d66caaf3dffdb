// Shared test plumbing: the real app on a real loopback port.
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { Hono } from 'hono';
import { createApp, type Lightweight } from '../app.ts';
import { createBoard, type Board } from '../src/board/index.ts';
import { errorHandler } from '../src/http.ts';
import { loadSettings, ROOT } from '../src/settings.ts';
import { POSTGRES_UNAVAILABLE, postgresDatabase, unavailable } from './services.ts';
import { tempDir } from './temp-dir.ts';

export { tempDir };

/** The board's API alone, as app.ts mounts it, so the test can set its store's clock. */
/** `fetch` served on a free loopback port: its origin, and a close that ends open connections too. */
export async function serveOnLoopback(fetch: (request: Request) => Response | Promise<Response>): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function startBoard(database: Record<string, string>): Promise<{ url: string; board: Board; close(): Promise<void> }> {
  const settings = loadSettings({ ...database, SERVICES: 'board' });
  const board = await createBoard({ settings, log: () => {} });
  const api = new Hono();
  api.onError(errorHandler(settings, () => {}));
  api.route('/api', board.api);
  const served = await serveOnLoopback(api.fetch);
  return {
    url: served.url,
    board,
    close: async () => {
      await served.close();
      await board.close();
    },
  };
}


export interface Running {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  lightweight: Lightweight;
  server: Server;
  /** Log lines the app wrote. */
  logs: string[];
  close(): Promise<void>;
}

/** Resolves once `condition` holds, polling every `every` ms; fails rather than hang when it does not within `ms`. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, ms = 5000, every = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}


/**
 * The settings of a throwaway board database: a new SQLite file, or with
 * TEST_BOARD_ENGINE=postgresql (set by the test/postgres-*.test.ts files,
 * which run the API suites again) a new PostgreSQL database.
 */
export async function boardDatabase(): Promise<Record<string, string>> {
  if (process.env.TEST_BOARD_ENGINE !== 'postgresql') return { DATABASE_PATH: path.join(tempDir(), 'board.sqlite3') };
  const url = await postgresDatabase();
  if (!url) throw new Error('TEST_BOARD_ENGINE=postgresql but PostgreSQL is not available: run `source .ci/services.sh` first.');
  return { DATABASE_URL: url };
}

/**
 * Start the app with these environment variables (on top of defaults that
 * keep tests isolated: a throwaway database, an ephemeral port).
 */
export async function startApp(env: Record<string, string> = {}, options: { dev?: boolean } = {}): Promise<Running> {
  const settings = loadSettings({ ...(await boardDatabase()), ...env, PORT: '0' }, { dev: options.dev ?? false });
  const logs: string[] = [];
  const lightweight = await createApp(settings, (line) => logs.push(line));
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: lightweight.app.fetch, createServer: lightweight.createServer, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
  });
  lightweight.attach(server);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    lightweight,
    server,
    logs,
    close: async () => {
      await lightweight.detach();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await lightweight.close();
    },
  };
}

/** Debian's Chromium, headless, never a downloaded browser; no background traffic to a closed network. */
export async function launchChromium(): Promise<Browser> {
  // Imported on use, so tests without a browser never load playwright.
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });
}

/**
 * Calls `failed` for each request of `page` that failed, but for the browser's own icon fetch cancelled when the
 * next page is asked for before it ends: that is the browser's doing, not the site's.
 */
export function onFailedRequest(page: Page, failed: (line: string) => void): void {
  page.on('requestfailed', (request) => {
    const why = request.failure()?.errorText;
    if (request.resourceType() === 'other' && why === 'net::ERR_ABORTED') return;
    failed(`failed ${request.url()} ${why}`);
  });
}

/** Direct access to a test's board database, around the app: for arranging data and for proving nothing changed. */
export interface DatabaseReader {
  /** Changes whenever anything was committed (SQLite: its commit counter; PostgreSQL: every row's id and version). */
  fingerprint(): Promise<string>;
  /** Tables, columns, indexes and triggers. */
  schema(): Promise<string>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export async function openDatabaseReader(database: Record<string, string>): Promise<DatabaseReader> {
  if (database.DATABASE_URL) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: database.DATABASE_URL });
    await client.connect();
    const json = async (sql: string) => JSON.stringify((await client.query(sql)).rows);
    return {
      fingerprint: () => json(`SELECT (SELECT json_agg(json_build_array(id, version) ORDER BY id) FROM users) AS users,
        (SELECT json_agg(json_build_array(id, version) ORDER BY id) FROM sprints) AS sprints,
        (SELECT json_agg(json_build_array(id, version) ORDER BY id) FROM tasks) AS tasks,
        (SELECT json_agg(key ORDER BY key) FROM tokens) AS tokens`),
      schema: async () =>
        (await json("SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2")) +
        (await json("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")) +
        (await json('SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1')),
      exec: async (sql) => void (await client.query(sql)),
      close: () => client.end(),
    };
  }
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(database.DATABASE_PATH!);
  return {
    // SQLite's count of commits made by other connections: unchanged means the app committed nothing, not even a write it later undid.
    fingerprint: async () => String(db.pragma('data_version', { simple: true })),
    schema: async () => JSON.stringify(db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all()),
    exec: async (sql) => void db.exec(sql),
    close: async () => void db.close(),
  };
}

/**
 * Load test suites again with every board on PostgreSQL (see boardDatabase);
 * skipped with a clear message when it is unavailable outside CI.
 */
export async function againOnPostgres(suites: Array<() => Promise<unknown>>): Promise<void> {
  if (!process.env.TEST_POSTGRES_URL) {
    unavailable(POSTGRES_UNAVAILABLE); // throws in CI
    const { it } = await import('node:test');
    it('runs the suites on PostgreSQL', (t) => t.skip(POSTGRES_UNAVAILABLE));
    return;
  }
  process.env.TEST_BOARD_ENGINE = 'postgresql';
  for (const load of suites) await load();
}

/** Run one of the commands in scripts/ (createuser, export, ...) with this environment; its exit code and output. Killed after `killAfterMs`. */
export function runScript(
  name: string,
  args: string[],
  env: Record<string, string>,
  stdin?: string,
  killAfterMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', `${name}.ts`), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

/** `npm run build` in its own process with this environment (SITE_URL and BASE_PATH unset unless given); its exit code and output. */
export function runBuild(env: Record<string, string>, killAfterMs = 90_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'build.ts'], { cwd: ROOT, env: { ...process.env, SITE_URL: '', BASE_PATH: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr }))));
}
