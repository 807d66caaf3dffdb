// What the board's Chromium tests beyond the book share: the app and a
// browser, demo's token, the API from the test's side, and boards already
// logged in.
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { launchChromium, runScript, startApp, type Running } from './helpers.ts';

export const WAIT = { timeout: 10_000 };

export interface Board {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions in the page. */
  errors: string[];
}

const pad = (n: number) => String(n).padStart(2, '0');
export const localDate = (date: Date) => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;

export const column = (key: string) => `.column[data-column="${key}"]`;
export const card = (name: string) => `.task:has(.task-name:text-is("${name}"))`;

export class BoardBrowser {
  app!: Running;
  browser!: Browser;
  #token: string | null = null;
  #sprintDay = 0;

  async start(): Promise<void> {
    this.app = await startApp({ SERVICES: 'board' });
    this.browser = await launchChromium();
  }

  async close(): Promise<void> {
    await this.browser?.close();
    await this.app?.close();
  }

  async token(): Promise<string> {
    if (!this.#token) {
      const response = await fetch(`${this.app.url}/api/token/`, { method: 'POST', body: new URLSearchParams({ username: 'demo', password: 'test' }) });
      assert.equal(response.status, 200);
      this.#token = ((await response.json()) as { token: string }).token;
    }
    return this.#token;
  }

  async api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.app.url}${path}`, {
      method,
      headers: { Authorization: `Token ${await this.token()}`, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
    return (response.status === 204 ? null : await response.json()) as T;
  }

  /** Another person of the board, made as an admin would (`npm run createuser`), on the app's database. */
  async createUser(username: string, fullName: string): Promise<void> {
    const { databasePath, databaseUrl } = this.app.lightweight.settings;
    const database: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_PATH: databasePath };
    const made = await runScript('createuser', [username, '--full-name', fullName, '--password-stdin'], database, 'a-long-password\n');
    assert.equal(made.code, 0, made.stderr);
  }

  /** demo's token was revoked (logged out): the next call logs in again. */
  forgetToken(): void {
    this.#token = null;
  }

  /** A future end date no other sprint of this run has (ends are unique). */
  nextSprintEnd(): string {
    return localDate(new Date(Date.now() + (5 + ++this.#sprintDay) * 86_400_000));
  }

  createSprint(name: string): Promise<{ id: number }> {
    return this.api('POST', '/api/sprints/', { name, end: this.nextSprintEnd() });
  }

  /** A browser context already logged in (the token in localStorage, as after a login), at the board. */
  async openBoard(hash = '', options: BrowserContextOptions = {}): Promise<Board> {
    const board = await this.newPage(options);
    await board.page.goto(`${this.app.url}/board/${hash}`);
    return board;
  }

  /** A page not yet anywhere, in a new context logged in (unless `loggedOut`), desktop-sized unless told otherwise. */
  async newPage({ loggedOut = false, ...options }: BrowserContextOptions & { loggedOut?: boolean } = {}): Promise<Board> {
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    const token = await this.token();
    if (!loggedOut) {
      await context.addInitScript((value) => {
        if (!sessionStorage.getItem('seeded')) localStorage.setItem('board.token', value);
        sessionStorage.setItem('seeded', '1');
      }, token);
    }
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    return { context, page, errors };
  }

  /** Poll the API (bounded) until the task satisfies `check`; the last state is in the failure message. */
  async taskBecomes(id: number, check: (task: any) => boolean): Promise<any> {
    let task = await this.api('GET', `/api/tasks/${id}/`);
    for (let i = 0; i < 50 && !check(task); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      task = await this.api('GET', `/api/tasks/${id}/`);
    }
    assert.ok(check(task), `task ${id} is ${JSON.stringify(task)}`);
    return task;
  }
}
