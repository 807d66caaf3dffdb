// Shared test plumbing: the real app on a real loopback port.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { createApp, type Lightweight } from '../app.ts';
import { loadSettings } from '../src/settings.ts';

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

/** A temporary folder removed when the process exits. */
export function tempDir(prefix = 'lightweight-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Start the app with these environment variables (on top of defaults that
 * keep tests isolated: a throwaway database, an ephemeral port).
 */
export async function startApp(env: Record<string, string> = {}, options: { dev?: boolean } = {}): Promise<Running> {
  const settings = loadSettings(
    { DATABASE_PATH: path.join(tempDir(), 'board.sqlite3'), ...env, PORT: '0' },
    { dev: options.dev ?? false },
  );
  const logs: string[] = [];
  const lightweight = await createApp(settings, (line) => logs.push(line));
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: lightweight.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
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
